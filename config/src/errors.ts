/** What an error says, for a log line, a refusal or a status reason: its message, or the thrown value as text. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
