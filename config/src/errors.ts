/** What an error says, for a log line, a refusal or a status reason: its message, or the thrown value as text. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * A server refused a program's login or its rights (a wrong password, a missing grant or ACL).
 * At start-up the program exits with this message instead of retrying: waiting cannot fix it.
 * The message names the server, the login and what the server answered, never the password.
 */
export class LoginRefusedError extends Error {
  constructor(
    readonly server: 'postgres' | 'kafka' | 'connect',
    message: string,
  ) {
    super(message);
    this.name = 'LoginRefusedError';
  }
}
