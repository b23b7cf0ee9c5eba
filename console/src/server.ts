import { checkDatabaseLogin } from '@outbox/db';
import { exitWithFatal } from '@outbox/telemetry';
import { buildConsoleApp } from './app';
import { loadConsoleConfig } from './config';

/** npm run console: the operator console on CONSOLE_PORT (3002), bound to HOST (127.0.0.1). */
async function main(): Promise<void> {
  const config = loadConsoleConfig();
  // A refused login ends the start here, with a message that names it: the status logins
  // (read-only) and the streamer's, which the dead-letter actions use.
  for (const url of [config.status.commerceDatabaseUrl, config.status.streamerDatabaseUrl, config.streamer.databaseUrl])
    await checkDatabaseLogin(url);
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

main().catch((err: unknown) => exitWithFatal('console', err));
