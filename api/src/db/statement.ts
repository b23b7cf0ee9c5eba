import { commerce } from '@outbox/db';

/**
 * One SQL text with named slots, the single source of a statement for two consumers:
 * - the api binds every slot as a parameter (`bind`, a `Prisma.Sql` for `$queryRaw`);
 * - pgbench replaces every slot by an SQL fragment (`render`: literals, expressions), so it
 *   runs the very text the api sends (bench/src/scenarios/pgbench.ts).
 * A slot may appear several times; each occurrence is its own parameter.
 */
export class SlottedStatement<S extends string> {
  constructor(
    readonly name: string,
    readonly parts: readonly string[],
    readonly slots: readonly S[],
  ) {
    if (parts.length !== slots.length + 1)
      throw new Error(`statement ${name}: ${parts.length} parts for ${slots.length} slots`);
  }

  /** The statement with each slot a bound parameter ($1, $2, ...), for `$queryRaw`. */
  bind(values: Record<S, unknown>): commerce.Prisma.Sql {
    return new commerce.Prisma.Sql(
      this.parts,
      this.slots.map((slot) => values[slot]),
    );
  }

  /**
   * The text with each slot occurrence replaced by an SQL fragment (give fragments their own
   * parentheses where precedence matters). `render((_, i) => `$${i + 1}`)` is the text `bind` sends.
   */
  render(fragmentOf: (slot: S, occurrence: number) => string): string {
    return this.parts.reduce((text, part, i) => {
      const slot = this.slots[i - 1];
      return slot === undefined ? part : `${text}${fragmentOf(slot, i - 1)}${part}`;
    }, '');
  }
}

/** A tagged template: statement('like')`... ${'productId'}::uuid ...` names each slot. */
export function statement(name: string) {
  return <S extends string>(strings: TemplateStringsArray, ...slots: S[]): SlottedStatement<S> =>
    new SlottedStatement(name, [...strings], slots);
}
