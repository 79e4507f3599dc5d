/**
 * The export engine: one job, one directory, one CSV file per entity, streamed from a consistent
 * store snapshot (or a source's reader) through the CSV renderer into `.partial` files with
 * backpressure; files are renamed when complete and described in `manifest.json`.
 */
import { mkdir, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import {
  entitiesForExport,
  exportColumns,
  storedColumns,
  type EntityDef,
} from "../core/entities/registry.js";
import type { JobFile, JobMessage, JobProgress, JobRecord } from "../core/job.js";
import { isoUtcSeconds } from "../core/time.js";
import type { ExportSettings } from "../config.js";
import type { EntityReader, Source } from "../sources/port.js";
import type { RowFilter, Site, Store } from "../store/port.js";
import { CsvFileWriter } from "./csv-file-writer.js";
import { ChunkBuilder } from "./chunk-builder.js";
import { headerLine, rowWriter } from "./csv-format.js";
import { checkDiskSpace } from "./disk-space.js";
import { exportFileName } from "./file-names.js";

export interface ExportRun {
  store: Store;
  site: Site;
  instanceUrl: string;
  job: JobRecord;
  settings: ExportSettings;
  sources: readonly Source[];
  zone: string;
  signal: AbortSignal;
  onProgress(progress: JobProgress): void;
  /** For tests and the benchmark: rows per read batch. */
  batchSize?: number;
}

export interface ExportOutcome {
  directory: string;
  files: JobFile[];
  statistics: { exportedEntities: number; writtenRows: number };
  warnings: JobMessage[];
}

export class ExportCancelled extends Error {
  constructor() {
    super("export cancelled");
    this.name = "ExportCancelled";
  }
}

const DISK_CHECK_BYTES = 64 * 1024 * 1024;

export function jobDirectory(job: JobRecord): string {
  return join(job.rootExportPath, String(job.jobId));
}

/** The entity files an export of this site writes, in order. */
export function exportedEntities(site: Site, schemaVersion: number, settings: ExportSettings): EntityDef[] {
  return entitiesForExport(site.product, schemaVersion).filter((e) => !e.toggle || settings[e.toggle]);
}

async function readersFor(site: Site, sources: readonly Source[]): Promise<Map<string, EntityReader>> {
  const readers = new Map<string, EntityReader>();
  for (const source of sources) {
    if (!source.readers || !(await source.appliesTo(site))) continue;
    for (const [name, reader] of Object.entries(source.readers)) readers.set(name, reader);
  }
  return readers;
}

export async function runExport(run: ExportRun): Promise<ExportOutcome> {
  const { job, site, settings, signal } = run;
  const directory = jobDirectory(job);
  await mkdir(directory, { recursive: true, mode: 0o700 });
  await checkDiskSpace(directory, settings.minimumUsableDiskSpaceAfterExport);

  const defs = exportedEntities(site, job.schemaVersion, settings);
  const since = isoUtcSeconds(job.exportFrom);
  const excludeScopes = job.optedOut.map((o) => o.identifier);
  const readers = await readersFor(site, run.sources);
  const batchSize = run.batchSize ?? (settings.exportRowsPerSecond > 0 ? Math.max(1, Math.min(1000, Math.ceil(settings.exportRowsPerSecond / 10))) : 1000);
  const readOptions = { since, excludeScopes, batchSize, signal, settings: { ...settings, forceExport: job.forced } };

  const snapshot = await run.store.data.snapshot(site.id);
  const files: JobFile[] = [];
  let writer: CsvFileWriter | undefined;
  try {
    const estimates: number[] = [];
    for (const def of defs) {
      const filter = rowFilter(def, since, excludeScopes);
      const reader = readers.get(def.name);
      estimates.push(reader ? ((await reader.estimate?.(site, def, readOptions)) ?? 0) : await snapshot.count(def, filter));
    }
    const progress: JobProgress = {
      file: "",
      entity: "",
      rowsWritten: 0,
      rowsEstimated: 0,
      filesDone: 0,
      filesTotal: defs.length,
      totalRowsWritten: 0,
      totalRowsEstimated: estimates.reduce((a, b) => a + b, 0),
      rowsPerSecond: 0,
      etaSeconds: null,
    };
    const started = Date.now();
    let bytesSinceDiskCheck = 0;

    for (const [index, def] of defs.entries()) {
      const name = exportFileName(def.name, job.jobId, job.schemaVersion, job.startTime, run.zone);
      const exported = exportColumns(def, job.schemaVersion);
      const write = rowWriter(exported, storedColumns(def), settings, run.instanceUrl);
      const chunk = new ChunkBuilder();
      writer = await CsvFileWriter.open(join(directory, name), name, headerLine(exported));
      Object.assign(progress, { file: name, entity: def.name, rowsWritten: 0, rowsEstimated: estimates[index] ?? 0 });
      run.onProgress({ ...progress });

      const reader = readers.get(def.name);
      const batches = reader
        ? reader.rows(site, def, readOptions)
        : snapshot.rows(def, rowFilter(def, since, excludeScopes), batchSize);
      for await (const batch of batches) {
        if (signal.aborted) throw new ExportCancelled();
        for (const row of batch) write(row, chunk);
        const bytes = chunk.take();
        await writer.write(bytes, batch.length);
        progress.rowsWritten += batch.length;
        progress.totalRowsWritten += batch.length;
        const elapsed = (Date.now() - started) / 1000;
        progress.rowsPerSecond = elapsed > 0 ? Math.round(progress.totalRowsWritten / elapsed) : 0;
        const left = Math.max(0, progress.totalRowsEstimated - progress.totalRowsWritten);
        progress.etaSeconds = progress.rowsPerSecond > 0 ? Math.ceil(left / progress.rowsPerSecond) : null;
        run.onProgress({ ...progress });
        bytesSinceDiskCheck += bytes.length;
        if (bytesSinceDiskCheck > DISK_CHECK_BYTES) {
          bytesSinceDiskCheck = 0;
          await checkDiskSpace(directory, settings.minimumUsableDiskSpaceAfterExport);
        }
        await throttle(settings.exportRowsPerSecond, started, progress.totalRowsWritten, signal);
        // Let the server answer requests between batches.
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      if (signal.aborted) throw new ExportCancelled();
      const done = await writer.complete();
      writer = undefined;
      files.push({ name: done.name, entity: def.name, rows: done.rows, bytes: done.bytes, sha256: done.sha256 });
      progress.filesDone += 1;
      run.onProgress({ ...progress });
    }

    const statistics = {
      exportedEntities: files.filter((f) => defs.find((d) => d.name === f.entity)?.primary).reduce((n, f) => n + f.rows, 0),
      writtenRows: files.reduce((n, f) => n + f.rows, 0),
    };
    const warnings = [...readers.values()].flatMap((r) => r.warnings?.() ?? []);
    await writeManifest(directory, run, files, statistics);
    return { directory, files, statistics, warnings };
  } finally {
    await writer?.abort();
    await snapshot.close();
  }
}

function rowFilter(def: EntityDef, since: string, excludeScopes: readonly string[]): RowFilter {
  return { ...(def.cursor ? { since } : {}), excludeScopes };
}

async function throttle(rowsPerSecond: number, started: number, rows: number, signal: AbortSignal): Promise<void> {
  if (rowsPerSecond <= 0) return;
  let wait = started + (rows / rowsPerSecond) * 1000 - Date.now();
  while (wait > 0 && !signal.aborted) {
    await sleep(Math.min(wait, 200));
    wait = started + (rows / rowsPerSecond) * 1000 - Date.now();
  }
}

async function writeManifest(
  directory: string,
  run: ExportRun,
  files: JobFile[],
  statistics: ExportOutcome["statistics"],
): Promise<void> {
  const manifest = {
    format: "sluice-data-pipeline-export",
    version: 1,
    jobId: run.job.jobId,
    site: { key: run.site.key, product: run.site.product, instanceUrl: run.instanceUrl, cloudId: run.site.cloudId },
    schemaVersion: run.job.schemaVersion,
    exportFrom: new Date(run.job.exportFrom).toISOString(),
    startTime: new Date(run.job.startTime).toISOString(),
    completedTime: new Date().toISOString(),
    optedOutEntities: run.job.optedOut,
    statistics,
    files,
  };
  const path = join(directory, "manifest.json");
  await writeFile(`${path}.partial`, JSON.stringify(manifest, null, 2) + "\n", { mode: 0o600, flag: "w" });
  await rename(`${path}.partial`, path);
}

