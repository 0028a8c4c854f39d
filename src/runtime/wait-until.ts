/**
 * Polling for what gives no event to wait on from JavaScript: another
 * process's end (Node has no pidfd), a cgroup emptying. What is waited for
 * is usually over within a few milliseconds (a killed init, a monitor's
 * exit hook), so the first checks come after 1 ms, and the interval
 * doubles up to 20 ms for what takes longer.
 */
const FIRST_INTERVAL_MS = 1;
const LONGEST_INTERVAL_MS = 20;

/** Resolves true once `done()` holds, or false when `timeoutMs` have passed without it. */
export async function waitUntil(done: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let interval = FIRST_INTERVAL_MS;
  while (!done()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, interval));
    interval = Math.min(interval * 2, LONGEST_INTERVAL_MS);
  }
  return true;
}
