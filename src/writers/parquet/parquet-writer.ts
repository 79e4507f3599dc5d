/**
 * The Parquet writer. DuckDB buffers a whole table in memory, so the file is written in parts: rows go
 * to a typed in-memory table (`part-table.ts`) which, once it holds `partBytes` of values or `partRows`
 * rows, is copied to `<dir>/.<name>.parts/p000001.parquet` (a folder of mode 0700) and emptied. On close
 * the parts are joined in order into `<name>.partial` (created owner-only at open, overwritten in
 * place), the parts folder is removed, the file hashed and renamed. A file of 0 rows is still a Parquet
 * file with the typed schema. Parts of 4 MB of values keep a whole export of 1,000,000 pages of ~2 KB
 * under 270 MB peak RSS (8 MB parts: ~300 MB and a file 4 % smaller; one DuckDB table for everything
 * went past 600 MB): `bench/export-parquet.ts`, docs/benchmarks.md.
 */
import { chmod, mkdir, open, rename, rm, unlink } from "node:fs/promises";
import { join } from "node:path";
import { cancelled } from "../../core/errors.js";
import { hashFile, partialPath } from "../file-sink.js";
import type { RecordLayout, RecordWriter, WriterTarget, WrittenFile } from "../port.js";
import { typedRow } from "../values.js";
import { PartTable } from "./part-table.js";

export interface ParquetOptions {
  /** Rows per part (default 100,000). */
  partRows?: number;
  /** Estimated bytes of values per part (default 4 MB). */
  partBytes?: number;
}

const PART_ROWS = 100_000;
const PART_BYTES = 4 << 20;

interface Paths {
  name: string;
  final: string;
  partial: string;
  parts: string;
}

export class ParquetRecordWriter implements RecordWriter {
  private readonly typed: (row: readonly unknown[]) => unknown[];
  private readonly partRows: number;
  private readonly partBytes: number;
  private readonly parts: string[] = [];
  private largestPart = 0;
  private count = 0;
  /** Writes and close run one after the other; abort waits for the one running. */
  private queue: Promise<unknown> = Promise.resolve();
  private state: "open" | "closing" | "done" = "open";

  private constructor(
    private readonly paths: Paths,
    private readonly table: PartTable,
    layout: RecordLayout,
    options: ParquetOptions,
  ) {
    this.typed = typedRow(layout);
    this.partRows = Math.max(1, options.partRows ?? PART_ROWS);
    this.partBytes = Math.max(1, options.partBytes ?? PART_BYTES);
  }

  static async open(target: WriterTarget, layout: RecordLayout, options: ParquetOptions = {}): Promise<ParquetRecordWriter> {
    const paths: Paths = {
      name: target.name,
      final: join(target.directory, target.name),
      partial: partialPath(target.directory, target.name),
      parts: join(target.directory, `.${target.name}.parts`),
    };
    // The partial file is created first: "wx" refuses a name that another writer holds.
    await (await open(paths.partial, "wx", 0o600)).close();
    try {
      // The partial file is this writer's: a parts folder of the same name is a crashed run's.
      await rm(paths.parts, { recursive: true, force: true });
      await mkdir(paths.parts, { mode: 0o700 });
      const table = await PartTable.create(layout.columns, join(paths.parts, "spill"));
      return new ParquetRecordWriter(paths, table, layout, options);
    } catch (error) {
      await rm(paths.parts, { recursive: true, force: true });
      await unlink(paths.partial).catch(() => undefined);
      throw error;
    }
  }

  get rows(): number {
    return this.count;
  }

  write(rows: readonly (readonly unknown[])[]): Promise<void> {
    return this.serial(async () => {
      for (const row of rows) {
        this.table.add(this.typed(row));
        this.count++;
        if (this.table.rows >= this.partRows || this.table.bytes >= this.partBytes) await this.cutPart();
      }
      this.table.flush();
    });
  }

  close(): Promise<WrittenFile> {
    return this.serial(async () => {
      this.state = "closing";
      try {
        if (this.table.rows > 0 || this.parts.length === 0) await this.cutPart();
        const { partial } = this.paths;
        const [only] = this.parts;
        if (this.parts.length === 1 && only !== undefined) {
          await chmod(only, 0o600);
          await rename(only, partial);
        } else {
          await this.table.merge(this.parts, partial, this.largestPart);
        }
        await this.finish();
        await chmod(partial, 0o600);
        const { bytes, sha256 } = await hashFile(partial);
        await rename(partial, this.paths.final);
        return { name: this.paths.name, path: this.paths.final, rows: this.count, bytes, sha256 };
      } catch (error) {
        await this.discard();
        throw error;
      }
    });
  }

  async abort(): Promise<void> {
    if (this.state === "done") return;
    this.state = "done";
    this.table.interrupt();
    await this.queue.catch(() => undefined);
    await this.discard();
  }

  private async cutPart(): Promise<void> {
    const part = join(this.paths.parts, `p${String(this.parts.length + 1).padStart(6, "0")}.parquet`);
    const rows = this.table.rows;
    await this.table.copyPart(part);
    this.parts.push(part);
    this.largestPart = Math.max(this.largestPart, rows);
  }

  /** Closes DuckDB and removes the parts folder (the parts are in the file, or not wanted). */
  private async finish(): Promise<void> {
    this.state = "done";
    this.table.close();
    await rm(this.paths.parts, { recursive: true, force: true });
  }

  private async discard(): Promise<void> {
    this.state = "done";
    this.table.close();
    await rm(this.paths.parts, { recursive: true, force: true });
    await unlink(this.paths.partial).catch(() => undefined);
  }

  private serial<T>(op: () => Promise<T>): Promise<T> {
    const run = this.queue.then(() => {
      if (this.state !== "open") throw cancelled("the file");
      return op();
    });
    this.queue = run.catch(() => undefined);
    return run;
  }
}
