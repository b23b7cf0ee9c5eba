/**
 * Exponential backoff with full jitter: attempt 1 waits up to base, attempt n up to
 * base * 2^(n-1), never more than max. A strategy function, replaceable in tests.
 */
export type BackoffStrategy = (attempt: number) => number;

export function exponentialBackoff(baseMs: number, maxMs: number, random: () => number = Math.random): BackoffStrategy {
  return (attempt) => {
    const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
    return Math.round(ceiling / 2 + (random() * ceiling) / 2);
  };
}
