/**
 * Buffers generated rows per entity and hands them on in batches: to the store directly
 * (`storeTarget`) or, from a worker thread, to the parent that writes them (see worker.ts).
 */
import { entity, type EntityDef, type Product } from "../../core/entities/registry.js";
import type { RowValues, Store } from "../../store/port.js";
import { rowMapper, type RowObject } from "./rows.js";

export type ProgressListener = (entity: string, rowsWritten: number) => void;

/** Where full batches go; the returned promise is the backpressure. */
export type BatchTarget = (entity: string, rows: RowValues[]) => Promise<void>;

export const DEFAULT_BATCH_SIZE = 2_000;

/**
 * Writes batches with one `upsert` each, reports running totals, and gives the event loop a turn after
 * each batch so that a running server stays responsive.
 */
export function storeTarget(store: Store, siteId: number, product: Product, onProgress?: ProgressListener): BatchTarget {
  const defs = new Map<string, EntityDef>();
  const totals = new Map<string, number>();
  return async (name, rows) => {
    let def = defs.get(name);
    if (!def) {
      def = entity(product, name);
      defs.set(name, def);
    }
    await store.data.upsert(siteId, def, rows);
    const total = (totals.get(name) ?? 0) + rows.length;
    totals.set(name, total);
    onProgress?.(name, total);
    await new Promise<void>((resolve) => setImmediate(resolve));
  };
}

export class EntitySink {
  private readonly map: (object: RowObject) => RowValues;
  private buffer: RowValues[] = [];
  private total = 0;

  constructor(
    product: Product,
    readonly name: string,
    private readonly batchSize: number,
    private readonly target: BatchTarget,
  ) {
    this.map = rowMapper(entity(product, name));
  }

  /** Rows generated so far (handed on or buffered). */
  get written(): number {
    return this.total + this.buffer.length;
  }

  async add(object: RowObject): Promise<void> {
    this.buffer.push(this.map(object));
    if (this.buffer.length >= this.batchSize) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.buffer.length === 0) return;
    const rows = this.buffer;
    this.buffer = [];
    this.total += rows.length;
    await this.target(this.name, rows);
  }
}

/** The sinks of one site's generation, and the count of rows each wrote. */
export class SiteSink {
  private readonly sinks = new Map<string, EntitySink>();

  constructor(
    private readonly product: Product,
    private readonly target: BatchTarget,
    private readonly batchSize: number = DEFAULT_BATCH_SIZE,
  ) {}

  entity(name: string): EntitySink {
    let sink = this.sinks.get(name);
    if (!sink) {
      sink = new EntitySink(this.product, name, this.batchSize, this.target);
      this.sinks.set(name, sink);
    }
    return sink;
  }

  /** Flushes every buffer; returns rows written per entity name. */
  async finish(): Promise<Record<string, number>> {
    const counts: Record<string, number> = {};
    for (const [name, sink] of this.sinks) {
      await sink.flush();
      counts[name] = sink.written;
    }
    return counts;
  }
}
