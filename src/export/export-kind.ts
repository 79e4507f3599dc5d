/**
 * The Data pipeline export as a kind of job: one export at a time per site (`export:<site>`), the files
 * written by the engine, progress in the Data pipeline's own words, and the rows written kept on a
 * failed or cancelled job (its `statistics`). An export whose root names a storage (`s3://…`) is written
 * to a staging folder first and then uploaded, its manifest last (`export-upload.ts`).
 */
import { rm } from "node:fs/promises";
import { join } from "node:path";
import type { Config } from "../config.js";
import { isSluiceError, SluiceError } from "../core/errors.js";
import { EXPORT_KIND, exportLock, exportRecord, type ExportJob, type ExportJobRecord, type ExportParams, type ExportProgress, type ExportResult } from "../core/export-job.js";
import { progressOf } from "../core/job.js";
import type { JobContext, JobKind } from "../jobs/kind.js";
import type { Source } from "../sources/port.js";
import type { Site, Store } from "../store/port.js";
import { runExport, type ExportOutcome } from "./engine.js";
import { siteBaseUrl, stagingRoot } from "./export-paths.js";
import { findExportStorage, openExportStorage } from "./export-storage.js";
import { uploadExport } from "./export-upload.js";
import { isS3Path, parseS3Path, s3Below, s3Url } from "./s3-path.js";

export interface ExportKindDeps {
  config: Config;
  store: Store;
  sources: readonly Source[];
}

type Context = JobContext<ExportParams, ExportProgress>;

export function exportKind(deps: ExportKindDeps): JobKind<ExportParams, ExportResult, ExportProgress> {
  /** Writes the files into `directory` (default: the job's folder under its root), reporting rows written. */
  const write = (ctx: Context, site: Site, job: ExportJobRecord, directory?: string, written?: (p: ExportProgress) => void): Promise<ExportOutcome> =>
    runExport({
      store: deps.store,
      site,
      instanceUrl: siteBaseUrl(deps.config, site),
      job,
      ...(directory === undefined ? {} : { directory }),
      settings: deps.config.export,
      sources: deps.sources,
      zone: deps.config.timeZone,
      background: deps.config.jobs.background,
      signal: ctx.signal,
      onProgress: (p) => {
        written?.(p);
        ctx.progress({
          label: p.entity,
          done: p.totalRowsWritten,
          total: p.totalRowsEstimated,
          unit: "rows",
          rate: p.rowsPerSecond,
          etaSeconds: p.etaSeconds,
          detail: p,
        });
      },
    });

  /** An export to a storage: written to `<home>/export-staging/<site>/<jobId>`, uploaded, the staging copy removed. */
  const writeAndUpload = async (ctx: Context, site: Site, job: ExportJobRecord): Promise<{ outcome: ExportOutcome; location: string }> => {
    const root = parseS3Path(job.rootExportPath);
    if ("problem" in root) throw new SluiceError("export.failed", `The export path ${job.rootExportPath.slice(0, 200)} is not usable: ${root.problem}`);
    const target = openExportStorage(deps.config, await findExportStorage(deps.store, site, root), root);
    const staging = stagingRoot(deps.config, site);
    const directory = join(staging, String(job.jobId));
    const location = s3Url(s3Below(root, String(job.jobId)));
    try {
      // Only one export of a site runs at a time: anything here was left by a node that died.
      await rm(staging, { recursive: true, force: true });
      let written: ExportProgress | undefined;
      const outcome = await write(ctx, site, job, directory, (p) => (written = p));
      const started = Date.now();
      await uploadExport({
        blobs: target.blobs,
        directory,
        jobId: job.jobId,
        files: outcome.files,
        signal: ctx.signal,
        onProgress: (u) => {
          const shared = progressOf(`upload ${u.file}`, "bytes", u.bytesDone, u.bytesTotal, Date.now() - started);
          // The rows written stay as they ended; file, files and ETA are the upload's.
          const detail: ExportProgress = {
            ...(written ?? noRows(outcome)),
            phase: "upload",
            file: u.file,
            filesDone: u.filesDone,
            filesTotal: u.filesTotal,
            bytesUploaded: u.bytesDone,
            bytesToUpload: u.bytesTotal,
            etaSeconds: shared.etaSeconds,
          };
          ctx.progress({ ...shared, detail });
        },
      }).catch((error: unknown) => {
        if (ctx.signal.aborted || !(error instanceof Error)) throw error;
        // A job's messages keep 255 characters: the storage's id goes first when it does not fit.
        const full = `Export job ${job.jobId} was not uploaded through the ${target.name}: ${error.message}`;
        const short = `Export job ${job.jobId} was not uploaded through the storage ${target.storage.name}: ${error.message}`;
        throw new SluiceError(isSluiceError(error) ? error.code : "export.failed", full.length <= 255 ? full : short, { cause: error });
      });
      return { outcome, location };
    } finally {
      target.close();
      await rm(staging, { recursive: true, force: true });
    }
  };

  return {
    name: EXPORT_KIND,
    noun: "the export",
    lockKey: (siteId) => exportLock(siteId ?? 0),
    async run(ctx) {
      const site = ctx.site!;
      const job = exportRecord(ctx.job as unknown as ExportJob);
      const { outcome, location } = isS3Path(job.rootExportPath)
        ? await writeAndUpload(ctx, site, job)
        : await write(ctx, site, job).then((outcome) => ({ outcome, location: outcome.directory }));
      return {
        result: { statistics: outcome.statistics, files: outcome.files },
        warnings: outcome.warnings,
        summary: { rows: outcome.statistics.writtenRows, directory: location },
      };
    },
    partialResult: (_job, progress) => ({
      statistics: { exportedEntities: 0, writtenRows: progress?.detail?.totalRowsWritten ?? 0 },
      files: null,
    }),
    failure: (error) =>
      isSluiceError(error) ? { key: error.code, message: error.message } : { key: "export.failed", message: `The export failed: ${(error as Error).message}` },
  };
}

/** Progress of an export that reported none while writing (no rows at all). */
function noRows(outcome: ExportOutcome): ExportProgress {
  const rows = outcome.statistics.writtenRows;
  return { file: "", entity: "", rowsWritten: 0, rowsEstimated: 0, filesDone: 0, filesTotal: 0, totalRowsWritten: rows, totalRowsEstimated: rows, rowsPerSecond: 0, etaSeconds: null };
}
