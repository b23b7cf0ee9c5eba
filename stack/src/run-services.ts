import concurrently from 'concurrently';
import { repoRoot } from '@outbox/config';

/**
 * `npm start`, after the stack is up: the api and the streamer in the foreground, their
 * output prefixed; Ctrl-C stops both (the stack keeps running: npm run stack:down).
 */
const { result } = concurrently(
  [
    { name: 'api', command: 'tsx api/src/server.ts', prefixColor: 'cyan' },
    { name: 'streamer', command: 'tsx streamer/src/server.ts', prefixColor: 'magenta' },
  ],
  { cwd: repoRoot, killOthersOn: ['failure'], prefix: 'name' },
);

result.then(
  () => process.exit(0),
  () => process.exit(1),
);
