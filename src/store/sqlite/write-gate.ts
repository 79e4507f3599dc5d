/**
 * While a snapshot is being shared (`DataRepo.shareSnapshot` holds the write lock on a connection of
 * its own until every worker has opened its read transaction), this process's own statements wait
 * here, asynchronously. Run straight away they would sit in SQLite's busy handler, which blocks the
 * thread — the very thread that has to see the workers' "ready" messages and release the lock — for
 * the whole busy timeout, and then fail.
 */
export class WriteGate {
  private held: Promise<void> | undefined;

  /** Closes the gate; the function returned opens it again. */
  hold(): () => void {
    let open!: () => void;
    const held = new Promise<void>((resolve) => (open = resolve));
    this.held = held;
    return () => {
      if (this.held === held) this.held = undefined;
      open();
    };
  }

  async pass(): Promise<void> {
    while (this.held) await this.held;
  }

  /**
   * The repository with its writes waiting at the gate first (async methods only): every method but
   * `reads`, which pass at once — in WAL mode a read does not wait for the write lock, and the API's
   * requests (a token lookup, a job's status) must not wait for an export to open its snapshots.
   */
  guard<T extends object>(repo: T, reads: readonly (keyof T)[] = []): T {
    const out = { ...repo };
    for (const key of Object.keys(repo) as (keyof T)[]) {
      const fn = repo[key];
      if (typeof fn !== "function" || reads.includes(key)) continue;
      if (fn.constructor.name !== "AsyncFunction") continue;
      out[key] = (async (...args: unknown[]) => {
        await this.pass();
        return (fn as (...a: unknown[]) => Promise<unknown>).apply(repo, args);
      }) as T[keyof T];
    }
    return out;
  }
}
