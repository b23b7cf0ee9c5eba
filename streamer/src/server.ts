import { buildApp } from './app';

const port = Number(process.env.STREAMER_PORT ?? 3001);
const host = process.env.HOST ?? '127.0.0.1';

async function main(): Promise<void> {
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new Error(`STREAMER_PORT must be a port number, got "${process.env.STREAMER_PORT}"`);
  const app = buildApp();
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      app.log.info({ signal }, 'shutting down');
      void app.close().then(() => process.exit(0));
    });
  }
  await app.listen({ port, host });
  app.log.info('streamer ready');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
