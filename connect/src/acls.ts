import {
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  ResourcePatternTypes,
  type Admin,
  type AclEntry,
} from 'kafkajs';
import { DEFAULT_GROUP_IDS, type KafkaPrincipal } from '@outbox/config';
import { AGGREGATE_TOPICS, dlqTopicOf } from '@outbox/events';

/**
 * Who may do what on the cluster's Kafka (docs/security.md). The brokers refuse everything no
 * ACL allows; `broker`, `controller` and `admin` are super users. The Connect worker's own ACLs
 * exist before it starts (the launcher creates them); the pipeline's are created with its topics
 * by `npm run connect -- apply`.
 */

type Operation = keyof typeof AclOperationTypes;

interface Resource {
  type: 'TOPIC' | 'GROUP' | 'CLUSTER' | 'TRANSACTIONAL_ID';
  name: string;
  /** A name prefix instead of one name. */
  prefixed?: boolean;
}

const topic = (name: string): Resource => ({ type: 'TOPIC', name });
const CLUSTER: Resource = { type: 'CLUSTER', name: 'kafka-cluster' };
/** Kafka's wildcard: every resource of the type. */
const ANY = '*';

/** One ALLOW entry per operation for `principal` on `resource`, from any host. */
export function allow(principal: KafkaPrincipal, resource: Resource, operations: Operation[]): AclEntry[] {
  return operations.map((operation) => ({
    resourceType: AclResourceTypes[resource.type],
    resourceName: resource.name,
    resourcePatternType: resource.prefixed ? ResourcePatternTypes.PREFIXED : ResourcePatternTypes.LITERAL,
    principal: `User:${principal}`,
    host: '*',
    operation: AclOperationTypes[operation],
    permissionType: AclPermissionTypes.ALLOW,
  }));
}

/**
 * The Connect workers' own: their internal topics, their group, and with exactly-once the
 * transactional ids of the leader (connect-cluster-<group>, for the config topic) and of the
 * tasks (<group>-<connector>-<task>).
 */
export function connectWorkerAcls(groupId: string, internalTopicPrefix: string): AclEntry[] {
  return [
    ...allow('connect', { type: 'TOPIC', name: internalTopicPrefix, prefixed: true }, ['ALL']),
    ...allow('connect', { type: 'GROUP', name: groupId }, ['ALL']),
    ...allow('connect', { type: 'TRANSACTIONAL_ID', name: `connect-cluster-${groupId}` }, ['WRITE', 'DESCRIBE']),
    ...allow('connect', { type: 'TRANSACTIONAL_ID', name: `${groupId}-`, prefixed: true }, ['WRITE', 'DESCRIBE']),
    ...allow('connect', CLUSTER, ['IDEMPOTENT_WRITE', 'DESCRIBE']),
  ];
}

/**
 * The pipeline's principals:
 * - connect writes the event topics and the heartbeat topic, nothing else;
 * - the streamer reads the event topics in its groups (names starting with the default group
 *   ids, so runs can use groups of their own) and writes their dead-letter topics;
 * - reader (status, the console) describes topics and groups and reads records; it commits no
 *   offsets, since it may join no group;
 * - tester (the test kit, chaos, the bench) may write any topic to inject records.
 */
export function pipelineAcls(heartbeatTopic: string): AclEntry[] {
  const events = Object.values(AGGREGATE_TOPICS);
  const dlqs: string[] = events.map(dlqTopicOf);
  const streamerGroups = [DEFAULT_GROUP_IDS.metrics, DEFAULT_GROUP_IDS.cacheInvalidation];
  return [
    ...[...events, heartbeatTopic].flatMap((t) => allow('connect', topic(t), ['WRITE', 'DESCRIBE'])),
    ...events.flatMap((t) => allow('streamer', topic(t), ['READ', 'DESCRIBE'])),
    ...dlqs.flatMap((t) => allow('streamer', topic(t), ['WRITE', 'DESCRIBE'])),
    ...streamerGroups.flatMap((g) =>
      allow('streamer', { type: 'GROUP', name: g, prefixed: true }, ['READ', 'DESCRIBE']),
    ),
    ...allow('streamer', CLUSTER, ['IDEMPOTENT_WRITE']),
    ...[...events, ...dlqs].flatMap((t) => allow('reader', topic(t), ['READ', 'DESCRIBE'])),
    ...allow('reader', { type: 'GROUP', name: ANY }, ['DESCRIBE']),
    ...allow('tester', topic(ANY), ['READ', 'WRITE', 'DESCRIBE', 'DESCRIBE_CONFIGS', 'CREATE', 'DELETE']),
    ...allow('tester', { type: 'GROUP', name: ANY }, ['ALL']),
    ...allow('tester', CLUSTER, ['IDEMPOTENT_WRITE', 'DESCRIBE']),
  ];
}

/** Creates the entries (Kafka keeps one copy of an ACL created twice). */
export async function ensureAcls(admin: Admin, acl: AclEntry[]): Promise<void> {
  if (acl.length > 0) await admin.createAcls({ acl });
}
