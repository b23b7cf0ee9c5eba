import { loadConnector } from '@outbox/connect';
import { queryDb } from './db';
import { stack } from './stack-under-test';
import { eventually } from './wait';

/** The commerce database's WAL position now. */
export async function currentLsn(): Promise<string> {
  return (await queryDb<{ lsn: string }>('commerce', 'SELECT pg_current_wal_lsn()::text AS lsn'))[0]?.lsn ?? '0/0';
}

/**
 * Waits until the connector's replication slot has confirmed the WAL up to `lsn`: what was
 * committed before it is in Kafka. Polls every 100 ms, so recovery times can be measured with it.
 */
export async function waitCaptured(lsn: string, timeoutMs: number): Promise<void> {
  const slotName = String(loadConnector(stack).config['slot.name']);
  await eventually(
    `the replication slot ${slotName} to confirm the WAL up to ${lsn}`,
    async () => {
      const [row] = await queryDb<{ done: boolean }>(
        'commerce',
        'SELECT confirmed_flush_lsn >= $1::pg_lsn AS done FROM pg_replication_slots WHERE slot_name = $2',
        [lsn, slotName],
      );
      return row?.done ? true : undefined;
    },
    timeoutMs,
    100,
  );
}
