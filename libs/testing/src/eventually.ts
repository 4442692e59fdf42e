/**
 * Retries an assertion until it passes or the time is up, then fails with the assertion's last
 * error: async flows are awaited by their outcome, never by a fixed sleep.
 */
export async function eventually<T>(
  assertion: () => Promise<T> | T,
  options: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const intervalMs = options.intervalMs ?? 100;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      return await assertion();
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      if (lastError instanceof Error) {
        lastError.message = `not satisfied within ${timeoutMs} ms: ${lastError.message}`;
      }
      throw lastError;
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
