/**
 * Per-container replay guard for signed chat requests: the same signed request seen again within the
 * signature's freshness window is refused. Best effort (a replay can reach another container); the real
 * guarantee is downstream, where the command id derived from the platform's request id makes a replayed
 * trace find its own session and a replayed bypass extend the same rule.
 */
export function replayGuard(windowMs = 5 * 60_000, maxEntries = 5_000) {
  const seen = new Map<string, number>();
  /** True the first time `key` is seen within the window. */
  return (key: string, now: number = Date.now()): boolean => {
    // Map keeps insertion order, so the oldest entries come first.
    for (const [k, at] of seen) {
      if (now - at <= windowMs && seen.size < maxEntries) break;
      seen.delete(k);
    }
    if (seen.has(key)) return false;
    seen.set(key, now);
    return true;
  };
}
