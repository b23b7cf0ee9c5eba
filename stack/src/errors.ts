/**
 * A launcher failure a person can act on: which component, why, and where its log is.
 */
export class StackError extends Error {
  constructor(
    readonly component: string,
    readonly reason: string,
    readonly logFile?: string,
    readonly logTail?: string,
  ) {
    super(`${component}: ${reason}${logFile ? ` (log: ${logFile})` : ''}`);
    this.name = 'StackError';
  }

  /** The full explanation printed by the CLI. */
  describe(): string {
    const lines = [`✗ ${this.component}: ${this.reason}`];
    if (this.logFile) lines.push(`  log file: ${this.logFile}`);
    if (this.logTail) lines.push('  last log lines:', ...this.logTail.split('\n').map((l) => `    ${l}`));
    return lines.join('\n');
  }
}
