import { exitWithFatal, startTracing } from '@outbox/telemetry';
import { loadStreamerConfig } from './config';
import { startStreamer } from './wiring';

async function main(): Promise<void> {
  const config = loadStreamerConfig();
  const tracing = startTracing({ serviceName: 'streamer' });
  const streamer = await startStreamer(config, {
    // Exit rather than stay up consuming nothing: the offsets are committed only after
    // effects, so a restarted process resumes exactly where this one stopped.
    onFatal: (err) => {
      console.error(`a consumer stopped for good, exiting: ${err.message}`);
      process.exit(1);
    },
  });
  let stopping = false;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      if (stopping) return;
      stopping = true;
      streamer.app.log.info({ signal }, 'shutting down: finishing in-flight batches, committing, leaving the groups');
      streamer
        .stop()
        .then(() => tracing.shutdown())
        .then(
          () => process.exit(0),
          (err: unknown) => {
            console.error(err);
            process.exit(1);
          },
        );
    });
  }
  streamer.app.log.info(
    { applyMode: config.applyMode, groups: [config.metricsGroupId, config.cacheGroupId] },
    'streamer ready',
  );
}

main().catch((err: unknown) => exitWithFatal('streamer', err));
