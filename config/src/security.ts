import { createHmac } from 'node:crypto';

/**
 * Who authenticates where on the cluster topology (docs/security.md). The single-node dev and
 * test stacks stay open on 127.0.0.1: one PostgreSQL superuser, no Kafka or Connect login.
 */

export interface Credential {
  username: string;
  password: string;
}

/** Kafka principals (SASL/SCRAM users), each with its own ACLs (stack/src/components/kafka-acls.ts). */
export const KAFKA_PRINCIPALS = ['broker', 'admin', 'connect', 'streamer', 'reader', 'tester'] as const;
export type KafkaPrincipal = (typeof KAFKA_PRINCIPALS)[number];

/** PostgreSQL roles, one per job (stack/src/components/postgres-roles.ts). */
export const POSTGRES_ROLES = ['owner', 'api', 'debezium', 'streamer', 'reader', 'registry'] as const;
export type PostgresRole = (typeof POSTGRES_ROLES)[number];

/** The logins of Connect's REST API (Kafka's basic-auth extension). */
export const CONNECT_REST_USERS = ['admin', 'reader'] as const;
export type ConnectRestUser = (typeof CONNECT_REST_USERS)[number];

/** The SASL mechanism of every Kafka client listener on the cluster. */
export const KAFKA_SASL_MECHANISM = 'scram-sha-512';

export interface StackSecurity {
  kafka: Record<KafkaPrincipal, Credential>;
  /** The controller listener's login (SASL/PLAIN: KRaft cannot use SCRAM there). */
  controller: Credential;
  connectRest: Record<ConnectRestUser, Credential>;
  postgres: Record<PostgresRole, Credential>;
}

/**
 * Which program a client configuration is for. Each gets the least it needs:
 * - `admin`: migrations, topic and connector setup (PostgreSQL owner, Kafka admin, Connect admin);
 * - `api`, `streamer`: the services;
 * - `reader`: `status` and the console (read-only everywhere);
 * - `tester`: the test kit, chaos and the bench (may write the event topics to inject records;
 *   PostgreSQL as the bootstrap superuser, to break and inspect anything).
 */
export type ClientIdentity = 'admin' | 'api' | 'streamer' | 'reader' | 'tester';

/** PostgreSQL login per identity; `superuser` is the stack's bootstrap user (PG_USER). */
export const POSTGRES_ROLE_OF: Record<ClientIdentity, PostgresRole | 'superuser'> = {
  admin: 'owner',
  api: 'api',
  streamer: 'streamer',
  reader: 'reader',
  tester: 'superuser',
};

/** Kafka principal per identity; the api has no Kafka client. */
export const KAFKA_PRINCIPAL_OF: Record<ClientIdentity, KafkaPrincipal | undefined> = {
  admin: 'admin',
  api: undefined,
  streamer: 'streamer',
  reader: 'reader',
  tester: 'tester',
};

/** Connect REST login per identity. */
export const CONNECT_USER_OF: Record<ClientIdentity, ConnectRestUser | undefined> = {
  admin: 'admin',
  api: undefined,
  streamer: undefined,
  reader: 'reader',
  tester: 'admin',
};

/**
 * The cluster's logins. Every password is derived from one secret (STACK_SECRET) and the login's
 * name, so the launcher and every client on this machine agree without a shared file, and a new
 * secret rotates them all. Outside the launcher's stack each program takes its credentials from
 * its own environment (docs/configuration.md).
 */
export function stackSecurity(secret: string): StackSecurity {
  const login = (username: string): Credential => ({
    username,
    password: createHmac('sha256', secret).update(username).digest('base64url').slice(0, 24),
  });
  const each = <K extends string>(names: readonly K[], name: (k: K) => string): Record<K, Credential> =>
    Object.fromEntries(names.map((k) => [k, login(name(k))])) as Record<K, Credential>;
  return {
    kafka: each(KAFKA_PRINCIPALS, (p) => p),
    controller: login('controller'),
    connectRest: each(CONNECT_REST_USERS, (u) => `connect-${u}`),
    postgres: each(POSTGRES_ROLES, (r) => `outbox_${r}`),
  };
}

export type KafkaSaslMechanism = 'scram-sha-512' | 'scram-sha-256' | 'plain';

/** What a kafkajs client passes as `sasl` (one shape per mechanism, as kafkajs types it). */
export type KafkaSasl = {
  [M in KafkaSaslMechanism]: { mechanism: M; username: string; password: string };
}[KafkaSaslMechanism];
