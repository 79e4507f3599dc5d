import { useEffect, useRef } from "react";

/**
 * Calls `tick` now and then every `intervalMs` after the previous call settles (never overlapping),
 * while mounted; `intervalMs` null pauses. Changing `key` restarts at once.
 */
export function usePoll(tick: () => Promise<void>, intervalMs: number | null, key: unknown = null): void {
  const tickRef = useRef(tick);
  tickRef.current = tick;
  useEffect(() => {
    if (intervalMs === null) return undefined;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const run = async () => {
      try {
        await tickRef.current();
      } catch {
        // The tick shows its own errors.
      }
      if (!stopped) timer = setTimeout(() => void run(), intervalMs);
    };
    void run();
    return () => {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
    };
  }, [intervalMs, key]);
}
