/**
 * `--topology <single|cluster>` is read here, before any other module of the run loads: the test
 * kit (@outbox/e2e) reads the stack under test from the environment when it is imported, so the
 * flag becomes STACK_TOPOLOGY first. The CLI's own option (commander) validates it and documents it.
 */
const argv = process.argv;
const at = argv.findIndex((a) => a === '--topology' || a.startsWith('--topology='));
if (at >= 0) {
  const arg = argv[at] ?? '';
  const value = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[at + 1];
  if (value === 'single' || value === 'cluster') process.env.STACK_TOPOLOGY = value;
}

export {};
