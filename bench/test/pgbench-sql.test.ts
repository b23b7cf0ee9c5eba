import { randomUUID } from 'node:crypto';
import type { CommerceClient } from '@outbox/db';
import { endpoints } from '@outbox/e2e';
import { EventCodec, newEvent } from '@outbox/events';
import { Client } from 'pg';
import {
  LIKE,
  LikeService,
  ProductService,
  UNLIKE,
  VIEW,
  type OutboxWriter,
  type ProductCache,
  type SlottedStatement,
} from '@outbox/api';
import { likeStatementFragments, likeStatementScript } from '../src/scenarios/pgbench';

/** The text and values of every statement the services send, with a database that answers "written". */
function capturingDb(): { db: CommerceClient; sent: { text: string; values: unknown[] }[] } {
  const sent: { text: string; values: unknown[] }[] = [];
  const db = {
    $queryRaw(query: { text: string; values: unknown[] }) {
      sent.push({ text: query.text, values: query.values });
      return Promise.resolve([{ found: 1, written: 1, view_id: randomUUID() }]);
    },
  } as unknown as CommerceClient;
  return { db, sent };
}

/** An outbox writer that encodes nothing: a fixed payload, so no registry is needed. */
const plainWriter: OutboxWriter = {
  write: (events, statement) =>
    statement(
      events.map((e) => ({
        id: e.eventId,
        aggregateType: e.aggregateType,
        aggregateId: e.aggregateId,
        eventType: e.eventType,
        payload: new Uint8Array([0]),
        traceparent: null,
      })),
    ).then((w) => w.result),
};

const placeholders = <S extends string>(statement: SlottedStatement<S>): string =>
  statement.render((_, i) => `$${i + 1}`);

/**
 * docs/performance.md: pgbench runs exactly the SQL the api sends. The api's services are run against a
 * database that records what it receives; pgbench's script must be that very text with each
 * parameter replaced by its pgbench fragment. Editing the api's statement without the shared
 * text (api/src/db/hot-writes.ts), or pgbench's script by hand, fails here.
 */
describe('pgbench runs the api statement', () => {
  const productId = randomUUID();

  it('the like, unlike and view routes send exactly the hot-write texts, one statement each', async () => {
    const { db, sent } = capturingDb();
    const likes = new LikeService(db, plainWriter);
    const products = new ProductService(db, plainWriter, {} as ProductCache);
    await likes.like(productId, 'm-1');
    await likes.unlike(productId, 'm-1');
    await products.view(productId, 'm-1');
    expect(sent.map((s) => s.text)).toEqual([placeholders(LIKE), placeholders(UNLIKE), placeholders(VIEW)]);
    expect(sent[0]?.values.slice(0, 2)).toEqual([productId, 'm-1']);
  });

  it("pgbench's script is the api's like text with each parameter replaced by its fragment", async () => {
    const { db, sent } = capturingDb();
    await new LikeService(db, plainWriter).like(productId, 'm-2');
    const template = Buffer.from('payload-template-00000000-0000-4000-8000-000000000000');
    const fragments = likeStatementFragments(productId, template, 17);
    const apiText = sent[0]?.text ?? '';
    const derived = apiText.replace(/\$(\d+)/g, (_, n: string) => fragments[LIKE.slots[Number(n) - 1]!]);
    expect(likeStatementScript(productId, template, 17)).toBe(`${derived.trim()};\n`);
    expect(LIKE.slots.length).toBe(sent[0]?.values.length);
  });

  it("pgbench's statement runs on PostgreSQL: one like, one outbox row with a decodable event carrying its id", async () => {
    const codec = await EventCodec.connect(endpoints.registryUrl);
    const pg = new Client({ connectionString: endpoints.postgresUrl('commerce') });
    await pg.connect();
    try {
      const { rows } = await pg.query<{ id: string }>(
        `INSERT INTO products (name, price, stock) VALUES ('pgbench-sql', 1, 1) RETURNING id`,
      );
      const product = rows[0]!.id;
      const placeholder = '00000000-0000-4000-8000-000000000000';
      const template = await codec.encode(
        newEvent('PRODUCT_LIKED', product, { memberId: 'pgbench' }, { eventId: placeholder }),
      );
      const script = likeStatementScript(product, template, template.indexOf(Buffer.from(placeholder)));
      const result = await pg.query<{ found: number; written: number }>(script);
      expect(result.rows).toEqual([{ found: 1, written: 1 }]);
      const outbox = await pg.query<{ id: string; aggregateid: string; type: string; payload: Buffer }>(
        'SELECT id, aggregateid, type, payload FROM outbox WHERE aggregateid = $1',
        [product],
      );
      expect(outbox.rows).toHaveLength(1);
      const row = outbox.rows[0]!;
      expect([row.aggregateid, row.type]).toEqual([product, 'PRODUCT_LIKED']);
      const { event } = await codec.decode(row.payload);
      expect(event).toMatchObject({ eventId: row.id, eventType: 'PRODUCT_LIKED', aggregateId: product });
      const likes = await pg.query('SELECT member_id FROM product_likes WHERE product_id = $1', [product]);
      expect(likes.rows).toHaveLength(1);
    } finally {
      await pg.end();
    }
  });
});
