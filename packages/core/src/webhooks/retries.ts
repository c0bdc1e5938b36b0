/**
 * When a failed delivery is tried again, after each failed attempt: 5 s, 5 min, 30 min, 2 h, 5 h,
 * 10 h, 10 h — eight attempts over about 28 hours, then the message has failed (it can be resent).
 */
const RETRY_DELAYS_MS = [5, 300, 1_800, 7_200, 18_000, 36_000, 36_000].map((seconds) => seconds * 1000);

/** When attempt `attempts + 1` is due after `attempts` failed ones at `now`; undefined: no more. */
export function nextAttemptAt(attempts: number, now: Date): Date | undefined {
  const delay = RETRY_DELAYS_MS[attempts - 1];
  return delay === undefined ? undefined : new Date(now.getTime() + delay);
}
