import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { StackConfig } from '@outbox/config';
import { findJava } from './java';
import { writePrivate } from './templates';
import type { StackVersions } from './versions';

export interface QuorumStatus {
  /** node.id of the active controller (the KRaft quorum's leader). */
  leaderId: number;
  leaderEpoch: number;
  voters: number[];
}

/**
 * The KRaft quorum as the controllers see it (Kafka's MetadataQuorumCommand, about 2-3 s of JVM
 * start-up): which node is the active controller. Clients' metadata cannot tell: in KRaft a
 * broker names a random live broker as "controller". Undefined when no controller answers.
 */
export async function describeQuorum(
  config: StackConfig,
  versions: StackVersions,
  timeoutMs = 20_000,
): Promise<QuorumStatus | undefined> {
  const java = findJava('kafka', 17, 'KAFKA_JAVA_HOME');
  const libsDir = join(config.cacheDir, `kafka-${versions.kafka}`);
  const controllers = config.kafka.nodes.map((n) => `${config.host}:${n.controllerPort}`).join(',');
  // The controller listener wants the quorum's SASL/PLAIN login (docs/security.md).
  const commandConfig = join(config.confDir, 'kafka-controller-client.properties');
  const login = config.security?.controller;
  if (login) {
    writePrivate(
      commandConfig,
      [
        'security.protocol=SASL_PLAINTEXT',
        'sasl.mechanism=PLAIN',
        `sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="${login.username}" password="${login.password}";`,
        '',
      ].join('\n'),
    );
  }
  const output = await new Promise<string>((resolve) => {
    const child = spawn(
      java.bin,
      [
        '-Xmx128m',
        '-XX:TieredStopAtLevel=1',
        `-Dlog4j2.configurationFile=${join(__dirname, '..', 'config', 'log4j2.properties')}`,
        `-Dkafka.logs.dir=${config.logDir}`,
        '-Dstack.component=kafka-tools',
        '-cp',
        `${libsDir}/*`,
        'org.apache.kafka.tools.MetadataQuorumCommand',
        '--bootstrap-controller',
        controllers,
        ...(login ? ['--command-config', commandConfig] : []),
        'describe',
        '--status',
      ],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    );
    let text = '';
    child.stdout.on('data', (d: Buffer) => (text += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', () => {
      clearTimeout(timer);
      resolve(text);
    });
    child.on('error', () => resolve(''));
  });
  const field = (name: string): string | undefined => new RegExp(`^${name}:\\s*(.+)$`, 'm').exec(output)?.[1]?.trim();
  const leaderId = Number(field('LeaderId'));
  if (!Number.isInteger(leaderId) || leaderId < 0) return undefined;
  const voters = [...(field('CurrentVoters') ?? '').matchAll(/"id":\s*(\d+)/g)].map((m) => Number(m[1]));
  return { leaderId, leaderEpoch: Number(field('LeaderEpoch') ?? -1), voters };
}
