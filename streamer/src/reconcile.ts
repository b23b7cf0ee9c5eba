import type { StreamerClient } from '@outbox/db';
import type { ReconcileSummary } from '@outbox/events';

export async function reconcileSummary(
  db: StreamerClient,
  group: string,
  reconcileId: string,
  limit: number,
): Promise<ReconcileSummary> {
  const [totals] = await db.$queryRaw<{ checked: number; differing: number; repaired: number }[]>`
    SELECT count(*)::int AS checked, count(*) FILTER (WHERE differs)::int AS differing,
           count(*) FILTER (WHERE repaired)::int AS repaired
    FROM reconcile_check WHERE reconcile_id = ${reconcileId}::uuid AND consumer_group = ${group}`;
  const rows = await db.reconcileCheck.findMany({
    where: { reconcileId, consumerGroup: group, differs: true },
    orderBy: { productId: 'asc' },
    take: limit,
  });
  const differences = rows.flatMap((r) =>
    (
      [
        ['likes', r.expectedLikes, r.foundLikes],
        ['views', r.expectedViews, r.foundViews],
        ['sales', r.expectedSales, r.foundSales],
      ] as const
    ).flatMap(([field, expectedValue, foundValue]) => {
      const expected = Number(expectedValue);
      const found = Number(foundValue);
      return expected === found
        ? []
        : [
            {
              productId: r.productId,
              field,
              expected,
              found,
              repaired: r.repaired,
              checkedAt: r.checkedAt.toISOString(),
            },
          ];
    }),
  );
  const blocked = await db.$queryRaw<{ aggregate_id: string }[]>`
    SELECT DISTINCT aggregate_id FROM dead_letter
    WHERE consumer_group = ${group} AND status = 'new' AND aggregate_id IS NOT NULL
    ORDER BY aggregate_id LIMIT ${limit}`;
  return {
    reconcileId,
    group,
    checked: totals?.checked ?? 0,
    differing: totals?.differing ?? 0,
    repaired: totals?.repaired ?? 0,
    differences,
    blockedProducts: blocked.map((b) => b.aggregate_id),
  };
}
