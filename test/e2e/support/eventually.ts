/**
 * Waits for what a stack does in the background (a queue drained, a push applied): polls `probe`
 * every 100 ms until it returns a value, and fails naming `what` after `timeoutMs`.
 */
export async function eventuallyValue<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 10_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
