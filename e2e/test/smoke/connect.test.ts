import type { Admin, Consumer, KafkaMessage } from 'kafkajs';
import { Client } from 'pg';
import { ConnectClient } from '@outbox/connect';
import { endpoints, eventually, kafkaClient, stack, uniqueName } from '../../src';

/**
 * The honest proof that Connect can run the outbox pipeline: a throwaway Debezium connector
 * with the outbox EventRouter on a throwaway table, its task RUNNING, and one row captured.
 */
describe('Kafka Connect with Debezium', () => {
  const id = uniqueName('smoke').toLowerCase();
  const table = `${id}_outbox`;
  const aggregateType = id.replace(/_/g, '');
  const topic = `${aggregateType}-events`;
  const connector = id.replace(/_/g, '-');
  const db = new Client({ connectionString: endpoints.postgresUrl('commerce') });
  const kafka = kafkaClient('smoke-connect');
  const connect = new ConnectClient(endpoints.connectUrl, endpoints.connectLogin);
  let admin: Admin;
  let consumer: Consumer;

  beforeAll(async () => {
    admin = kafka.admin();
    consumer = kafka.consumer({ groupId: `${id}-group` });
    await Promise.all([db.connect(), admin.connect(), consumer.connect()]);
  });

  afterAll(async () => {
    await connect.delete(connector).catch(() => undefined);
    await consumer.disconnect();
    // The slot stays active for a moment after the connector is deleted.
    await eventually('replication slot released', async () => {
      const { rows } = await db.query<{ active: boolean }>(
        'SELECT active FROM pg_replication_slots WHERE slot_name = $1',
        [id],
      );
      if (rows[0]?.active) return undefined;
      if (rows.length > 0) await db.query('SELECT pg_drop_replication_slot($1)', [id]);
      return true;
    }).catch(() => undefined);
    await db.query(`DROP PUBLICATION IF EXISTS ${id}`);
    await db.query(`DROP TABLE IF EXISTS ${table}`);
    await db.end();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  });

  it('lists the Debezium Postgres connector plugin', async () => {
    expect(await connect.plugins()).toContain('io.debezium.connector.postgresql.PostgresConnector');
  });

  it('runs a connector with the outbox EventRouter and routes a row byte for byte', async () => {
    await db.query(
      `CREATE TABLE ${table} (id uuid PRIMARY KEY, aggregatetype text NOT NULL, aggregateid text NOT NULL, type text NOT NULL, payload bytea NOT NULL)`,
    );
    await db.query(`CREATE PUBLICATION ${id} FOR TABLE ${table} WITH (publish = 'insert')`);
    await admin.createTopics({ topics: [{ topic, numPartitions: 3, replicationFactor: 1 }], waitForLeaders: true });

    const changed = await connect.putConfig(connector, {
      'connector.class': 'io.debezium.connector.postgresql.PostgresConnector',
      'tasks.max': '1',
      'plugin.name': 'pgoutput',
      'database.hostname': stack.postgres.hostForConnect,
      'database.port': String(stack.postgres.port),
      'database.user': stack.postgres.user,
      'database.password': stack.postgres.password,
      'database.dbname': 'commerce',
      'topic.prefix': id,
      'slot.name': id,
      'publication.name': id,
      'publication.autocreate.mode': 'disabled',
      'table.include.list': `public.${table}`,
      'snapshot.mode': 'no_data',
      'tombstones.on.delete': 'false',
      // Logical decoding messages reach every slot of the database: without this, the pipeline
      // connector's heartbeat message (every 5 s) became a record for a `<prefix>.message` topic
      // that does not exist, and the task blocked on it for 60 s ahead of the row.
      'message.prefix.exclude.list': '.*',
      transforms: 'outbox',
      'transforms.outbox.type': 'io.debezium.transforms.outbox.EventRouter',
      'transforms.outbox.route.by.field': 'aggregatetype',
      'transforms.outbox.route.topic.replacement': '${routedByValue}-events',
      'transforms.outbox.table.field.event.key': 'aggregateid',
      'transforms.outbox.table.fields.additional.placement': 'type:header:eventType',
      'transforms.outbox.table.expand.json.payload': 'false',
      'key.converter': 'org.apache.kafka.connect.storage.StringConverter',
      'value.converter': 'io.debezium.converters.BinaryDataConverter',
      'value.converter.delegate.converter.type': 'org.apache.kafka.connect.json.JsonConverter',
    });
    expect(changed).toBe(true);
    await connect.waitForRunning(connector, 90_000);
    // RUNNING comes before the slot streams: a row inserted earlier would be before its start.
    await eventually('the replication slot streaming', async () => {
      const { rows } = await db.query('SELECT 1 FROM pg_replication_slots WHERE slot_name = $1 AND active', [id]);
      return rows.length === 1 ? true : undefined;
    });

    const eventId = '6f1c2f0e-8a3b-4c5d-9e7f-0123456789ab';
    const payload = Buffer.from([0, 0, 0, 0, 42, 1, 2, 3, 255]);
    await db.query(`INSERT INTO ${table} (id, aggregatetype, aggregateid, type, payload) VALUES ($1, $2, $3, $4, $5)`, [
      eventId,
      aggregateType,
      'product-42',
      'PRODUCT_LIKED',
      payload,
    ]);

    const received: KafkaMessage[] = [];
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void received.push(message) });
    const message = await eventually('the routed record', async () => received[0]);

    expect(message.key?.toString()).toBe('product-42');
    expect(message.headers?.id?.toString()).toBe(eventId);
    expect(message.headers?.eventType?.toString()).toBe('PRODUCT_LIKED');
    expect(Buffer.compare(message.value as Buffer, payload)).toBe(0);
  });
});
