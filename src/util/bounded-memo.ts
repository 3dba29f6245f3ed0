/**
 * Memoises a pure function of a string, keeping at most `capacity` entries
 * (cleared wholesale when full: cheap, and real exports repeat a small set of
 * values, such as dates, far more often than the cap).
 */
export function boundedMemo<T>(fn: (key: string) => T, capacity = 20_000): (key: string) => T {
  const cache = new Map<string, T>();
  return (key) => {
    const hit = cache.get(key);
    if (hit !== undefined || cache.has(key)) return hit as T;
    const value = fn(key);
    if (cache.size >= capacity) cache.clear();
    cache.set(key, value);
    return value;
  };
}
