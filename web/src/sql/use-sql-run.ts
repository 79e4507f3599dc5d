/**
 * Running one query at a time from the console: a new run or Cancel aborts the one in flight (the
 * server stops it when the request goes), leaving the unmounted page aborts too.
 */
import { useCallback, useEffect, useRef, useState } from "react";
import type { SqlApi, SqlResult } from "../api/sql.js";

export type RunState =
  | { kind: "idle" }
  | { kind: "running"; startedAt: number }
  | { kind: "done"; result: SqlResult; ms: number }
  /** `text`: the SQL that failed (the editor may have changed since). */
  | { kind: "failed"; error: unknown; text: string }
  | { kind: "cancelled"; ms: number };

export interface SqlRun {
  state: RunState;
  run: (text: string) => Promise<void>;
  cancel: () => void;
}

export function useSqlRun(sql: SqlApi): SqlRun {
  const [state, setState] = useState<RunState>({ kind: "idle" });
  const current = useRef<AbortController | null>(null);

  useEffect(() => () => current.current?.abort(), []);

  const run = useCallback(
    async (text: string) => {
      current.current?.abort();
      const controller = new AbortController();
      current.current = controller;
      const startedAt = performance.now();
      setState({ kind: "running", startedAt });
      const ms = () => Math.round(performance.now() - startedAt);
      try {
        const result = await sql.run(text, controller.signal);
        if (current.current === controller) setState({ kind: "done", result, ms: ms() });
      } catch (error) {
        if (current.current !== controller) return;
        setState(controller.signal.aborted ? { kind: "cancelled", ms: ms() } : { kind: "failed", error, text });
      } finally {
        if (current.current === controller) current.current = null;
      }
    },
    [sql],
  );

  const cancel = useCallback(() => current.current?.abort(), []);
  return { state, run, cancel };
}
