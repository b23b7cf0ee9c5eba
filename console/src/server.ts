import { buildConsoleApp } from './app';
import { loadConsoleConfig } from './config';

/** npm run console: the operator console on CONSOLE_PORT (3002), bound to HOST (127.0.0.1). */
async function main(): Promise<void> {
  const config = loadConsoleConfig();
  const consoleApp = await buildConsoleApp(config);
  consoleApp.sampler.start();
  const address = await consoleApp.app.listen({ port: config.port, host: config.host });
  console.log(
    `console at ${address} (actions ${config.token ? 'enabled with CONSOLE_TOKEN' : 'disabled: set CONSOLE_TOKEN to enable them'})`,
  );
  const stop = () => {
    void consoleApp.close().finally(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((err: unknown) => {
  console.error(`console failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
