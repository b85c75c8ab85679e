/**
 * Runs `work` over `items` with at most `limit` calls in flight. After a rejection no new item
 * starts; the calls already in flight finish, then the first rejection is rethrown — nothing is
 * left running behind the caller's back.
 */
export async function runPool<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (failure === undefined && next < items.length) {
      const item = items[next++] as T;
      try {
        await work(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  const size = Math.max(1, Math.min(Math.floor(limit) || 1, items.length));
  await Promise.all(Array.from({ length: size }, worker));
  if (failure !== undefined) throw failure.error;
}
