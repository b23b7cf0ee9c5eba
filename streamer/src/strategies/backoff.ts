/**
 * Exponential backoff with "equal jitter": attempt n waits between half and all of
 * min(max, base * 2^(n-1)), so retries of many partitions spread out but never come back at
 * once. A strategy function, replaceable in tests.
 */
export type BackoffStrategy = (attempt: number) => number;

export function exponentialBackoff(baseMs: number, maxMs: number, random: () => number = Math.random): BackoffStrategy {
  return (attempt) => {
    const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
    return Math.round(ceiling / 2 + (random() * ceiling) / 2);
  };
}
