import { join } from 'node:path';
import type { StackConfig } from '@outbox/config';
import { fetchFromMaven } from '../maven';
import type { StackVersions } from '../versions';

/**
 * Broker, tools and Connect share one flat classpath, like libs/ of the Kafka tarball.
 * Fetched once per version set into the download cache.
 */
export function fetchKafkaLibs(config: StackConfig, versions: StackVersions, component: string): Promise<string> {
  return fetchFromMaven(config, {
    component,
    profile: 'kafka',
    properties: { 'kafka.version': versions.kafka, 'log4j.version': versions.log4j },
    targetDir: join(config.cacheDir, `kafka-${versions.kafka}`),
    targetProperty: 'stack.libs',
  });
}

/** JVM flags shared by the broker and Connect: small heap, log4j2 config, logs in the stack's log folder. */
export function kafkaJvmArgs(config: StackConfig, libsDir: string, component: string, heapMb: number): string[] {
  return [
    `-Xms${Math.min(256, heapMb)}m`,
    `-Xmx${heapMb}m`,
    '-XX:+UseG1GC',
    '-XX:MaxGCPauseMillis=20',
    '-Djava.awt.headless=true',
    `-Dlog4j2.configurationFile=${join(__dirname, '..', '..', 'config', 'log4j2.properties')}`,
    `-Dkafka.logs.dir=${config.logDir}`,
    `-Dstack.component=${component}`,
    '-cp',
    `${libsDir}/*`,
  ];
}
