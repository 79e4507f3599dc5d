/**
 * The export engine: one job, one directory, one CSV file per entity, streamed from a consistent
 * store snapshot (or a source's reader) through the CSV renderer into `.partial` files with
 * backpressure; files are renamed when complete and described in `manifest.json`.
 */
import { mkdir, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  entitiesForExport,
  type EntityDef,
} from "../core/entities/registry.js";
import type { ExportJobRecord, ExportProgress, JobFile } from "../core/export-job.js";
import type { JobMessage } from "../core/job.js";
import { isoUtcSeconds } from "../core/time.js";
import type { ExportSettings } from "../config.js";
import type { EntityReader, Source } from "../sources/port.js";
import { exportQuery, type EntityQuery } from "../core/query.js";
import type { Site, Store } from "../store/port.js";
import { checkDiskSpace } from "./disk-space.js";
import { cancelled } from "../core/errors.js";
import { pacer, snapshotSource, writeEntityFile } from "./entity-file.js";
import { laneFileKey } from "./lane-protocol.js";
import { joinInWorker, planLanes, startLane, type LaneRun, type PlannedFile } from "./lanes.js";
import { exportFileName } from "./file-names.js";
import { TYPED_BATCH_ROWS, writerFactory } from "../writers/index.js";
import { removeParts } from "./file-parts.js";
import type { BackgroundMode } from "../jobs/background.js";
import { isS3Path } from "./s3-path.js";
import { holdsForkCommits, personalForkScopes } from "./personal-forks.js";

export interface ExportRun {
  store: Store;
  site: Site;
  instanceUrl: string;
  job: ExportJobRecord;
  /** Where the files go; default: the job's folder under its root (`jobDirectory`). */
  directory?: string;
  settings: ExportSettings;
  sources: readonly Source[];
  zone: string;
  signal: AbortSignal;
  onProgress(progress: ExportProgress): void;
  /** For tests and the benchmark: rows per read batch. */
  batchSize?: number;
  /** `yield` (the default): worker lanes run at a lower CPU priority (`jobs.background`). */
  background?: BackgroundMode;
}

export interface ExportOutcome {
  directory: string;
  files: JobFile[];
  statistics: { exportedEntities: number; writtenRows: number };
  warnings: JobMessage[];
}


/** The job's folder: `<root>/<jobId>` (also when the root is a storage's `s3://…`). */
export function jobDirectory(job: ExportJobRecord): string {
  return isS3Path(job.rootExportPath) ? `${job.rootExportPath}/${job.jobId}` : join(job.rootExportPath, String(job.jobId));
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
  // A storage's root is never a folder here: its files are staged by the caller (`export-kind.ts`).
  if (run.directory === undefined && isS3Path(job.rootExportPath)) throw new Error(`export job ${job.jobId} goes to ${job.rootExportPath}: give the staging folder`);
  const directory = run.directory ?? jobDirectory(job);
  await mkdir(directory, { recursive: true, mode: 0o700 });
  await checkDiskSpace(directory, settings.minimumUsableDiskSpaceAfterExport);

  const defs = exportedEntities(site, job.schemaVersion, settings);
  const since = isoUtcSeconds(job.exportFrom);
  const excludeScopes = job.optedOut.map((o) => o.identifier);
  const readers = await readersFor(site, run.sources);
  const batchSize = run.batchSize ?? (settings.exportRowsPerSecond > 0 ? Math.max(1, Math.min(1000, Math.ceil(settings.exportRowsPerSecond / 10))) : 1000);
  const readOptions = { since, excludeScopes, batchSize, signal, settings: { ...settings, forceExport: job.forced } };
  // Worker lanes write the files off this thread (which answers the API). CSV uses every lane and cuts
  // big files into parts; a typed format (Parquet) takes one lane, its files one after the other: each
  // writer holds a DuckDB instance of its own, and two at once would double the export's memory.
  // One thread is one lane too, and a throttled export one lane paced at its rate: the files are never
  // written on the thread that answers the API (with exportThreads 1 or a throttle they were, and a
  // request waited up to 775 ms behind a batch: bench/export-impact.ts).
  const parallel = run.store.data.shareSnapshot !== undefined;
  const throttled = settings.exportRowsPerSecond > 0;
  const laneCount = job.format === "csv" && !throttled ? settings.exportThreads : 1;
  const extension = writerFactory(job.format).extension;

  // Writers are held off while the job's snapshot and its workers' snapshots open: one view of the data.
  const shared = parallel ? await run.store.data.shareSnapshot!(site.id) : undefined;
  const snapshot = await run.store.data.snapshot(site.id).catch(async (error: unknown) => {
    await shared?.release();
    throw error;
  });
  const lanes: LaneRun[] = [];
  const splits = new Map<string, { name: string; count: number; done: JobFile[]; joined?: boolean }>();
  const cancelLanes = () => lanes.forEach((l) => l.cancel());
  signal.addEventListener("abort", cancelLanes);
  // Counts of the source readers still running: stopped with the export, however it ends.
  const counting = new AbortController();
  const stopCounting = () => counting.abort();
  signal.addEventListener("abort", stopCounting);
  try {
    const planned: (PlannedFile & { reader: EntityReader | undefined })[] = [];
    // A source reader counts its rows on the side (git walks every commit: seconds on a big history),
    // so the export does not wait for it: its file starts with an estimate of 0, and the count is added
    // to the progress (`rowsEstimated`, `totalRowsEstimated`, the ETA) when it arrives. Whatever
    // happens to a count, the export goes on.
    const lateEstimates: { file: PlannedFile; count: Promise<number | undefined> }[] = [];
    const forks = defs.some(holdsForkCommits) ? await personalForkScopes(snapshot, settings.exportPersonalForkCommits) : [];
    const excludedFrom = (def: EntityDef) => (holdsForkCommits(def) && forks.length > 0 ? [...excludeScopes, ...forks] : excludeScopes);
    const optionsFor = (def: EntityDef) => ({ ...readOptions, excludeScopes: excludedFrom(def) });
    for (const def of defs) {
      const query = exportQuery(def, { since, excludeScopes: excludedFrom(def) });
      const reader = readers.get(def.name);
      const name = exportFileName(def.name, job.jobId, job.schemaVersion, job.startTime, run.zone, extension);
      const file: PlannedFile & { reader: EntityReader | undefined } = {
        def,
        // On SQLite with worker lanes, counted off this thread (it answers the API); an estimate needs
        // no snapshot.
        estimate: reader ? 0 : await (parallel ? run.store.data.count(site.id, query) : snapshot.count(query)),
        reader,
        file: { product: def.product, entity: def.name, name, query },
      };
      planned.push(file);
      if (reader?.estimate) {
        const count = (async () => reader.estimate!(site, def, { ...optionsFor(def), signal: counting.signal }))().catch(() => undefined);
        lateEstimates.push({ file, count });
      }
    }
    const totalEstimate = planned.reduce((n, p) => n + p.estimate, 0);
    const useLanes = parallel && totalEstimate >= settings.parallelExportMinRows;
    const inWorkers = useLanes ? planned.filter((p) => !p.reader) : [];
    const inThread = planned.filter((p) => !inWorkers.includes(p));
    // Big files are cut by key into one part per lane, so that every lane has a share of them.
    const laneFiles: PlannedFile[] = [];
    for (const p of inWorkers) {
      const bounds =
        job.format === "csv" && !throttled && p.estimate >= settings.splitExportMinRows && snapshot.keyBoundaries
          ? await snapshot.keyBoundaries(p.def, settings.exportThreads)
          : [];
      if (bounds.length === 0) {
        laneFiles.push(p);
        continue;
      }
      splits.set(p.def.name, { name: p.file.name, count: bounds.length + 1, done: [] });
      for (let i = 0; i <= bounds.length; i++) {
        const query: EntityQuery = exportQuery(p.def, {
          since,
          excludeScopes: excludedFrom(p.def),
          ...(i > 0 ? { keyFrom: bounds[i - 1]! } : {}),
          ...(i < bounds.length ? { keyBefore: bounds[i]! } : {}),
        });
        laneFiles.push({ def: p.def, estimate: Math.ceil(p.estimate / (bounds.length + 1)), file: { ...p.file, query, part: i } });
      }
    }

    const progress: ExportProgress = {
      file: "",
      entity: "",
      rowsWritten: 0,
      rowsEstimated: 0,
      filesDone: 0,
      filesTotal: defs.length,
      totalRowsWritten: 0,
      totalRowsEstimated: totalEstimate,
      rowsPerSecond: 0,
      etaSeconds: null,
    };
    const started = Date.now();
    // Rows written per file or file part (`laneFileKey`).
    const written = new Map<string, number>();
    let latest: [key: string, entityName: string, rows: number] | undefined;
    const report = (key: string, entityName: string, rows: number) => {
      latest = [key, entityName, rows];
      written.set(key, rows);
      const p = planned.find((x) => x.def.name === entityName)!;
      progress.file = p.file.name;
      progress.entity = entityName;
      progress.rowsWritten = rows;
      progress.rowsEstimated = p.estimate;
      progress.totalRowsWritten = [...written.values()].reduce((a, b) => a + b, 0);
      const elapsed = (Date.now() - started) / 1000;
      progress.rowsPerSecond = elapsed > 0 ? Math.round(progress.totalRowsWritten / elapsed) : 0;
      const left = Math.max(0, progress.totalRowsEstimated - progress.totalRowsWritten);
      progress.etaSeconds = progress.rowsPerSecond > 0 ? Math.ceil(left / progress.rowsPerSecond) : null;
      run.onProgress({ ...progress });
    };
    for (const { file, count } of lateEstimates) {
      void count
        .then((n) => {
          if (counting.signal.aborted || n === undefined || !Number.isSafeInteger(n) || n < 0) return;
          file.estimate = n;
          progress.totalRowsEstimated += n;
          if (latest) report(...latest); // the new totals at once, not at the next batch
        })
        .catch(() => undefined);
    }
    const files: JobFile[] = [];
    const fileDone = (file: JobFile) => {
      files.push(file);
      progress.filesDone += 1;
      report(file.entity, file.entity, file.rows);
    };
    // A split file is joined as soon as its last part is written, while the lanes go on.
    const joins: Promise<void>[] = [];
    const onFile = (file: JobFile, part: number | undefined) => {
      if (part === undefined) return fileDone(file);
      const split = splits.get(file.entity)!;
      split.done.push(file);
      if (split.done.length < split.count) return;
      const rows = split.done.reduce((n, f) => n + f.rows, 0);
      for (let i = 0; i < split.count; i++) written.delete(laneFileKey({ entity: file.entity, part: i }));
      const joined = joinInWorker({ directory, name: split.name, count: split.count, rows, yieldCpu: run.background !== "flat-out" }, signal).then((j) => {
        split.joined = true;
        fileDone({ name: split.name, entity: file.entity, rows: j.rows, bytes: j.bytes, sha256: j.sha256 });
      });
      joined.catch(() => undefined);
      joins.push(joined);
    };

    if (laneFiles.length > 0) {
      for (const lane of planLanes(laneFiles, laneCount)) {
        const run_ = startLane(
          {
            location: shared!.location,
            files: lane.map((p) => p.file),
            format: job.format,
            directory,
            schemaVersion: job.schemaVersion,
            csv: settings,
            instanceUrl: run.instanceUrl,
            minimumFreeBytes: settings.minimumUsableDiskSpaceAfterExport,
            batchSize: job.format === "csv" ? batchSize : Math.min(batchSize, TYPED_BATCH_ROWS),
            yieldCpu: run.background !== "flat-out",
            // The rate is the whole export's: shared with the files written here, if any.
            rowsPerSecond: inThread.length > 0 ? settings.exportRowsPerSecond / 2 : settings.exportRowsPerSecond,
          },
          { onRows: report, onFile },
        );
        lanes.push(run_);
      }
      lanes.forEach((l) => l.open());
      await Promise.all(lanes.map((l) => l.ready));
    }
    await shared?.release();

    const pace = pacer(lanes.length > 0 ? settings.exportRowsPerSecond / 2 : settings.exportRowsPerSecond, signal);
    const laneResults = Promise.all(lanes.map((l) => l.done)).then(() => Promise.all(joins));
    const threadResults = (async () => {
      for (const p of inThread) {
        report(p.def.name, p.def.name, 0);
        const file = await writeEntityFile(
          {
            def: p.def,
            directory,
            name: p.file.name,
            format: job.format,
            schemaVersion: job.schemaVersion,
            csv: settings,
            instanceUrl: run.instanceUrl,
            minimumFreeBytes: settings.minimumUsableDiskSpaceAfterExport,
            ...(pace ? { pace } : {}),
            signal,
            onRows: (rows) => report(p.def.name, p.def.name, rows),
          },
          (writer) => (p.reader ? p.reader.rows(site, p.def, optionsFor(p.def)) : snapshotSource(snapshot, p.file.query, writer.encoding, batchSize)),
        );
        fileDone(file);
      }
    })();
    const outcome = await Promise.allSettled([threadResults, laneResults]);
    const failed = outcome.find((o): o is PromiseRejectedResult => o.status === "rejected");
    if (failed) {
      cancelLanes();
      throw signal.aborted ? cancelled("the export") : failed.reason;
    }
    if (signal.aborted) throw cancelled("the export");

    const order = defs.map((d) => d.name);
    files.sort((a, b) => order.indexOf(a.entity) - order.indexOf(b.entity));
    const statistics = {
      exportedEntities: files.filter((f) => defs.find((d) => d.name === f.entity)?.primary).reduce((n, f) => n + f.rows, 0),
      writtenRows: files.reduce((n, f) => n + f.rows, 0),
    };
    const warnings = [...readers.values()].flatMap((r) => r.warnings?.() ?? []);
    await writeManifest(directory, run, files, statistics);
    return { directory, files, statistics, warnings };
  } finally {
    signal.removeEventListener("abort", cancelLanes);
    signal.removeEventListener("abort", stopCounting);
    stopCounting();
    cancelLanes();
    await Promise.allSettled(lanes.map((l) => l.done));
    // Parts of a file that was never joined (failure, cancel) go with the export.
    for (const split of splits.values()) if (!split.joined) await removeParts(directory, split.name, split.count);
    await shared?.release();
    await snapshot.close();
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
    // Sluice's own: said only when the files are not the Data pipeline's CSV.
    ...(run.job.format !== "csv" ? { fileFormat: run.job.format } : {}),
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

