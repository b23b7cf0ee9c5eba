import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import {
  collectFromNow,
  createProduct,
  endpoints,
  eventually,
  http,
  kafkaClient,
  member,
  preparePipeline,
  type ServiceProcess,
  startApi,
  startStreamer,
  uniqueName,
} from '@outbox/e2e';
import { SchemaType } from '@kafkajs/confluent-schema-registry';
import { catalogueEntry, EventCodec, newEvent } from '@outbox/events';
import { repoRoot } from '@outbox/config';
import { Partitioners, type Producer } from 'kafkajs';
import { Client } from 'pg';

interface DeadLetterRow {
  id: string;
  aggregate_id: string | null;
  event_type: string | null;
  status: string;
  attempts: number;
  error: string;
  offset: string;
}

/** Poison records, the sequenced dead-letter queue and the operator's replay (docs/guarantees.md). */
describe('dead-letter queue', () => {
  let api: ServiceProcess;
  let streamer: ServiceProcess;
  let producer: Producer;
  const streamerDb = new Client({ connectionString: endpoints.postgresUrl('streamer') });
  const partitionOf = (() => {
    const partitioner = Partitioners.DefaultPartitioner();
    const partitionMetadata = [0, 1, 2].map((partitionId) => ({
      partitionId,
      leader: 1,
      replicas: [1],
      isr: [1],
      partitionErrorCode: 0,
      offlineReplicas: [],
    }));
    return (key: string) => partitioner({ topic: 'catalog-events', partitionMetadata, message: { key, value: null } });
  })();

  beforeAll(async () => {
    await preparePipeline();
    api = await startApi();
    await streamerDb.connect();
    // Idempotent: a retried send under load must not append a second copy of a poison record.
    producer = kafkaClient('poison').producer({
      createPartitioner: Partitioners.DefaultPartitioner,
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await producer.connect();
    streamer = await startStreamer({ MAX_ATTEMPTS: '2', RETRY_BASE_MS: '20', RETRY_MAX_MS: '100' });
  });
  afterAll(async () => {
    await streamer.kill('SIGTERM');
    await producer.disconnect();
    await streamerDb.end();
    await api.kill('SIGTERM');
  });

  // ORDER BY the table's id: a bare `id` would sort by the text column of the same name, so
  // "10" before "9" once the ids cross a digit boundary (this made the test flaky).
  const deadLetters = async (aggregateId: string, group = 'metrics'): Promise<DeadLetterRow[]> =>
    (
      await streamerDb.query<DeadLetterRow>(
        'SELECT id::text, aggregate_id, event_type, status, attempts, error, "offset"::text FROM dead_letter WHERE consumer_group = $1 AND aggregate_id = $2 ORDER BY dead_letter.id',
        [group, aggregateId],
      )
    ).rows;
  const metricsOf = async (productId: string) => {
    const { rows } = await streamerDb.query<{ likes: string; views: string }>(
      'SELECT likes, views FROM product_metrics WHERE product_id = $1',
      [productId],
    );
    return rows[0] ? { likes: Number(rows[0].likes), views: Number(rows[0].views) } : { likes: 0, views: 0 };
  };
  const dlq = (...args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', join(repoRoot, 'streamer', 'src', 'dlq', 'cli.ts'), ...args], {
      cwd: repoRoot,
      encoding: 'utf8',
      env: process.env,
      // The shared test database keeps the dead letters of earlier runs: a full list is large.
      maxBuffer: 256 * 1024 * 1024,
    });
  const waitFor = <T>(what: string, probe: () => Promise<T | undefined>) => eventually(what, probe, 60_000);

  it('parks garbage and unknown-schema records; other aggregates flow, the same aggregate waits; replay releases it in order', async () => {
    const a = await createProduct(api, 10, 100, 'Poisoned A');
    const b = await createProduct(api, 10, 100, 'Poisoned B');
    let c = await createProduct(api, 10, 100, 'Neighbour C');
    while (partitionOf(c) !== partitionOf(a)) c = await createProduct(api, 10, 100, 'Neighbour C');
    const dlqRecords = await collectFromNow(['catalog-events.dlq']);

    const garbage = Buffer.from('definitely not avro');
    const unknownSchema = Buffer.concat([Buffer.from([0, 0x3b, 0x9a, 0xc9, 0xff]), Buffer.from([2, 4, 6])]); // id 999999999
    await producer.send({
      topic: 'catalog-events',
      acks: -1,
      messages: [
        { key: a, value: garbage, headers: { id: randomUUID(), eventType: 'PRODUCT_LIKED' } },
        { key: b, value: unknownSchema, headers: { id: randomUUID(), eventType: 'PRODUCT_LIKED' } },
      ],
    });
    const statuses = [
      (await http(api, 'POST', `/products/${a}/likes`, { headers: member('dlq-1') })).status,
      (await http(api, 'POST', `/products/${a}/views`)).status,
      (await http(api, 'POST', `/products/${c}/likes`, { headers: member('dlq-1') })).status,
      (await http(api, 'POST', `/products/${c}/views`)).status,
      (await http(api, 'POST', `/products/${b}/likes`, { headers: member('dlq-1') })).status,
    ];
    expect(statuses).toEqual([201, 201, 201, 201, 201]);

    // The neighbour on the same partition is applied at once.
    await waitFor('C applied', async () => ((await metricsOf(c)).views === 1 ? true : undefined));
    expect(await metricsOf(c)).toEqual({ likes: 1, views: 1 });

    // A's records wait behind the garbage, in order; nothing of A is applied.
    const parkedA = await waitFor('A parked', async () => {
      const rows = await deadLetters(a);
      return rows.length === 3 ? rows : undefined;
    });
    // Offsets and errors in the comparison, so a failure shows what was parked where.
    expect(parkedA.map((r) => [r.event_type, r.status, `@${r.offset}: ${r.error.slice(0, 40)}`])).toEqual([
      ['PRODUCT_LIKED', 'new', expect.any(String)],
      ['PRODUCT_LIKED', 'new', expect.any(String)],
      ['PRODUCT_VIEWED', 'new', expect.any(String)],
    ]);
    expect(parkedA[0]?.error).toMatch(/undecodable \(not-wire-format\)/);
    expect(parkedA[1]?.error).toMatch(/parked behind an earlier dead letter/);
    expect(await metricsOf(a)).toEqual({ likes: 0, views: 0 });
    const parkedB = await waitFor('B parked', async () => {
      const rows = await deadLetters(b);
      return rows.length === 2 ? rows : undefined;
    });
    expect(parkedB[0]?.error).toMatch(/unknown-schema/);

    // The original record, byte for byte, is in catalog-events.dlq with where it came from.
    const inTopic = await waitFor('the garbage record in catalog-events.dlq', async () =>
      dlqRecords.records.find((r) => r.key === a && r.headers['dlq.group'] === 'metrics'),
    );
    expect(Buffer.compare(inTopic.value, garbage)).toBe(0);
    expect(inTopic.headers).toMatchObject({
      eventType: 'PRODUCT_LIKED',
      'dlq.topic': 'catalog-events',
      'dlq.offset': parkedA[0]?.offset,
    });
    await dlqRecords.stop();

    // Operator: the head cannot be replayed (still garbage); a record behind it cannot jump the queue.
    const head = parkedA[0]?.id as string;
    const failedReplay = dlq('replay', head);
    expect(failedReplay.status).toBe(1);
    expect(failedReplay.stderr).toMatch(/failed again and stays parked/);
    expect((await deadLetters(a))[0]).toMatchObject({ status: 'new', attempts: 2 });
    const jump = dlq('replay', parkedA[1]?.id as string);
    expect(jump.stderr).toMatch(new RegExp(`waits behind #${head}`));

    // Discarding the head releases A's queue in order; each record applied once.
    const discard = dlq('discard', head);
    expect(discard.stdout).toMatch(/released 2 record\(s\)/);
    expect(await metricsOf(a)).toEqual({ likes: 1, views: 1 });
    expect((await deadLetters(a)).map((r) => r.status)).toEqual(['discarded', 'replayed', 'replayed']);
    expect(dlq('replay', parkedA[1]?.id as string).stderr).toMatch(/already replayed/);

    // Released: A's new events flow directly again.
    await http(api, 'POST', `/products/${a}/likes`, { headers: member('dlq-2') });
    await waitFor('A flowing again', async () => ((await metricsOf(a)).likes === 2 ? true : undefined));
    expect(await deadLetters(a)).toHaveLength(3);

    expect(dlq('discard', parkedB[0]?.id as string).status).toBe(0);
    expect(await metricsOf(b)).toEqual({ likes: 1, views: 0 });
  });

  it('parks an event that keeps failing after bounded attempts, and applies it once when replayed after the fix', async () => {
    const x = await createProduct(api, 10, 100, 'Failing X');
    const y = await createProduct(api, 10, 100, 'Healthy Y');
    const trigger = uniqueName('fail_x');
    await streamerDb.query(
      `CREATE FUNCTION ${trigger}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'injected failure for %', NEW.product_id; END $$`,
    );
    await streamerDb.query(
      `CREATE TRIGGER ${trigger} BEFORE INSERT OR UPDATE ON product_metrics FOR EACH ROW WHEN (NEW.product_id = '${x}') EXECUTE FUNCTION ${trigger}()`,
    );
    try {
      await http(api, 'POST', `/products/${x}/likes`, { headers: member('fail-1') });
      await http(api, 'POST', `/products/${x}/views`);
      await http(api, 'POST', `/products/${y}/views`);
      await waitFor('Y applied', async () => ((await metricsOf(y)).views === 1 ? true : undefined));
      const parked = await waitFor('X parked', async () => {
        const rows = await deadLetters(x);
        return rows.length === 2 ? rows : undefined;
      });
      expect(parked[0]).toMatchObject({ event_type: 'PRODUCT_LIKED', status: 'new', attempts: 2 });
      expect(parked[0]?.error).toMatch(/injected failure/);
      expect(parked[1]).toMatchObject({ event_type: 'PRODUCT_VIEWED', status: 'new', attempts: 0 });
    } finally {
      await streamerDb.query(`DROP TRIGGER IF EXISTS ${trigger} ON product_metrics`);
      await streamerDb.query(`DROP FUNCTION IF EXISTS ${trigger}()`);
    }
    const head = (await deadLetters(x))[0]?.id as string;
    const replay = dlq('replay', head);
    expect(replay.status).toBe(0);
    expect(replay.stdout).toMatch(/replayed; released 1 record/);
    expect(await metricsOf(x)).toEqual({ likes: 1, views: 1 });
    expect((await deadLetters(x)).map((r) => r.status)).toEqual(['replayed', 'replayed']);
    const listed = JSON.parse(
      dlq('list', '--status', 'all', '--group', 'metrics', '--aggregate', x, '--json').stdout,
    ) as {
      id: string;
      status: string;
    }[];
    expect(listed.map((r) => [r.id, r.status])).toEqual((await deadLetters(x)).map((r) => [r.id, 'replayed']));
    expect(listed.filter((r) => r.id === head).map((r) => r.status)).toEqual(['replayed']);
  });

  it('reads an event written with a newer schema version (a new optional field with a default)', async () => {
    const product = await createProduct(api, 10, 100, 'Evolved');
    const v1 = catalogueEntry('PRODUCT_LIKED').schema;
    const v2 = {
      ...v1,
      fields: [...v1.fields, { name: 'channel', type: ['null', 'string'], default: null, doc: 'added in v2' }],
    };
    const codec = new EventCodec(endpoints.registryUrl);
    const { id } = await codec.registry.register(
      { type: SchemaType.AVRO, schema: JSON.stringify(v2) },
      { subject: `${uniqueName('evolution')}-commerce.catalog.ProductLiked` },
    );
    const event = {
      ...newEvent('PRODUCT_LIKED', product, { memberId: 'future-client' }),
      schemaVersion: 2,
      channel: 'mobile',
    };
    const bytes = await codec.registry.encode(id, event);
    await producer.send({
      topic: 'catalog-events',
      acks: -1,
      messages: [{ key: product, value: bytes, headers: { id: event.eventId, eventType: 'PRODUCT_LIKED' } }],
    });
    await waitFor('the v2 event applied', async () => ((await metricsOf(product)).likes === 1 ? true : undefined));
    expect(await deadLetters(product)).toEqual([]);
  });
});
