/**
 * The store's commit rows (repositories without git data), read in key order — so by repository id —
 * and handed out in slices that the reader interleaves with the git-backed repositories.
 */
export class StoreCommits {
  private pending: unknown[][] = [];
  private done = false;

  constructor(
    private readonly source: AsyncIterator<unknown[][]>,
    /** Position of `repository_id` in a stored row. */
    private readonly repositoryIndex: number,
  ) {}

  /** Batches of the rows whose repository id is below `limit`. */
  async *before(limit: number): AsyncGenerator<unknown[][]> {
    for (;;) {
      if (this.pending.length === 0) {
        if (this.done) return;
        const next = await this.source.next();
        if (next.done) {
          this.done = true;
          return;
        }
        this.pending = next.value;
        continue;
      }
      let n = 0;
      while (n < this.pending.length && Number(this.pending[n]![this.repositoryIndex]) < limit) n++;
      if (n === 0) return;
      const head = n === this.pending.length ? this.pending : this.pending.slice(0, n);
      this.pending = n === this.pending.length ? [] : this.pending.slice(n);
      yield head;
      if (this.pending.length > 0) return;
    }
  }

  async close(): Promise<void> {
    await this.source.return?.();
  }
}
