import { checkDatabaseLogin, createStreamerClient, TRANSACTION_LIMITS, type StreamerClient } from '@outbox/db';
import { EventCodec, ROLE_TOPICS } from '@outbox/events';
import { kafkajsLogCreator, loggerOptions } from '@outbox/telemetry';
import type { FastifyInstance } from 'fastify';
import Redis from 'ioredis';
import { Kafka, logLevel, Partitioners, type Producer } from 'kafkajs';
import pino, { type Logger } from 'pino';
import { buildStreamerApp } from './app';
import { REDIS_COMMAND_TIMEOUT_MS, type StreamerConfig } from './config';
import { DeadLetters } from './dlq/dead-letters';
import { DlqPublisher } from './dlq/dlq-publisher';
import { streamerHandlers, type HandlerRegistry } from './handlers/registry';
import { purgeInbox } from './jobs/inbox-purge';
import { GroupConsumer } from './kafka/group-consumer';
import { checkKafkaLogin } from './kafka/login-check';
import { createStreamerMetrics } from './prometheus';
import { PartitionProcessor } from './pipeline/partition-processor';
import { exponentialBackoff } from './strategies/backoff';
import { DependencyWaits, lastConnectionError } from './waits';

/** Everything the consumers, the DLQ command and the tests share. */
export interface StreamerDeps {
  config: StreamerConfig;
  log: Logger;
  db: StreamerClient;
  redis: Redis;
  codec: EventCodec;
  kafka: Kafka;
  producer: Producer;
  deadLetters: DeadLetters;
  dlqPublisher: DlqPublisher;
  handlers: HandlerRegistry;
  close(): Promise<void>;
}

export async function createStreamerDeps(config: StreamerConfig): Promise<StreamerDeps> {
  const log = pino({ ...loggerOptions(config.logLevel), base: { service: 'streamer' } });
  const kafka = new Kafka({
    clientId: 'streamer',
    brokers: config.kafkaBrokers,
    ...(config.kafkaSasl ? { sasl: config.kafkaSasl } : {}),
    logLevel: logLevel.WARN,
    // kafkajs's lines through the service's logger: the same JSON shape as every other line.
    logCreator: kafkajsLogCreator(log),
    retry: { initialRetryTime: 100, maxRetryTime: config.kafkaRetryMaxMs, retries: 8 },
  });
  // A refused login or a missing grant or ACL ends the start here, with a message that names it.
  await checkDatabaseLogin(config.databaseUrl);
  const topics = [...new Set(Object.values(ROLE_TOPICS).flat())];
  await checkKafkaLogin(kafka, config.kafkaSasl?.username, topics);
  // Every session carries the server-side limits: an effect statement outside a transaction is
  // bounded too (a hung query would otherwise stop the heartbeats and cost the membership).
  const db = createStreamerClient(config.databaseUrl, {
    max: config.partitionsConsumedConcurrently * 2 + 4,
    connectionTimeoutMillis: 10_000,
    options: `-c lock_timeout=${TRANSACTION_LIMITS.lockTimeoutMs}ms -c statement_timeout=${TRANSACTION_LIMITS.statementTimeoutMs}ms`,
  });
  // Every command is bounded: a paused or hung Redis becomes a visible wait, never a batch
  // that blocks without an answer (the batch heartbeats meanwhile, see group-consumer.ts).
  const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: 1, commandTimeout: REDIS_COMMAND_TIMEOUT_MS });
  // Validated before any connection to Kafka: a bad group setting fails start-up without leaks.
  let handlers: HandlerRegistry;
  try {
    handlers = streamerHandlers(config, db, redis);
  } catch (err) {
    redis.disconnect();
    await db.$disconnect();
    throw err;
  }
  const codec = new EventCodec(config.schemaRegistryUrl);
  // murmur2 on the key, as Java producers (and Debezium) do: a parked record keeps its partition.
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  const deadLetters = new DeadLetters(db);
  const dlqPublisher = new DlqPublisher(db, producer, log);
  return {
    config,
    log,
    db,
    redis,
    codec,
    kafka,
    producer,
    deadLetters,
    dlqPublisher,
    handlers,
    async close() {
      await producer.disconnect();
      await db.$disconnect();
      redis.disconnect();
    },
  };
}

export interface RunningStreamer {
  app: FastifyInstance;
  consumers: GroupConsumer[];
  stop(): Promise<void>;
}

/** Starts both consumer groups, the HTTP side and the inbox purge. */
export interface StreamerHooks {
  /** A consumer died for good (kafkajs will not restart it); server.ts exits so a supervisor restarts the process. */
  onFatal?: (err: Error) => void;
}

export async function startStreamer(config: StreamerConfig, hooks: StreamerHooks = {}): Promise<RunningStreamer> {
  const deps = await createStreamerDeps(config);
  const metrics = createStreamerMetrics();
  // ioredis gives up on a command without saying why: the wait names the connection's last error.
  const waits = new DependencyWaits(metrics, { redis: lastConnectionError(deps.redis) });
  const backoff = exponentialBackoff(config.retryBaseMs, config.retryMaxMs);
  const handlers = deps.handlers.all;
  const consumers = handlers.map((handler) => {
    // The one place a consumer's lines get their `group`.
    const log = deps.log.child({ group: handler.group });
    return new GroupConsumer({
      kafka: deps.kafka,
      groupId: handler.group,
      topics: handler.topics,
      processor: new PartitionProcessor({
        handler,
        codec: deps.codec,
        db: deps.db,
        deadLetters: deps.deadLetters,
        applyMode: config.applyMode,
        maxAttempts: config.maxAttempts,
        backoff,
        log,
        hooks: {
          onWait: waits.hookFor(handler.group),
          onParked(topic, count) {
            metrics.deadLettered.inc({ group: handler.group, topic }, count);
            void deps.dlqPublisher.publishPending();
          },
        },
      }),
      metrics,
      log,
      sessionTimeoutMs: config.sessionTimeoutMs,
      partitionsConsumedConcurrently: config.partitionsConsumedConcurrently,
      onFatal: hooks.onFatal,
      afterDbCommit: config.crashAfterDbCommit ? () => process.kill(process.pid, 'SIGKILL') : undefined,
    });
  });
  const app = buildStreamerApp({
    db: deps.db,
    redis: deps.redis,
    metrics,
    waits,
    log: deps.log,
    reconcileGroup: config.metricsGroupId,
    groups: consumers.map((c, i) => ({ groupId: handlers[i]?.group ?? '', isMember: () => c.isMember() })),
  });
  await app.listen({ port: config.port, host: config.host });
  for (const consumer of consumers) await consumer.start();

  // Dead letters whose copy to <topic>.dlq failed (Kafka down) are retried here.
  const publish = setInterval(() => void deps.dlqPublisher.publishPending(), config.dlqPublishIntervalMs);
  publish.unref();
  void deps.dlqPublisher.publishPending();

  const purge = setInterval(() => {
    purgeInbox(deps.db, config.inboxRetentionMs).then(
      (deleted) => deps.log.info({ deleted }, 'inbox purge'),
      (err: unknown) => deps.log.error({ err }, 'inbox purge failed'),
    );
  }, config.inboxPurgeIntervalMs);
  purge.unref();

  return {
    app,
    consumers,
    async stop() {
      clearInterval(purge);
      clearInterval(publish);
      await Promise.all(consumers.map((c) => c.stop()));
      await deps.dlqPublisher.publishPending();
      await app.close();
      await deps.close();
    },
  };
}
