/**
 * The Data pipeline export as a kind of job: one export at a time per site (`export:<site>`), the files
 * written by the engine, progress in the Data pipeline's own words, and the rows written kept on a
 * failed or cancelled job (its `statistics`).
 */
import type { Config } from "../config.js";
import { isSluiceError } from "../core/errors.js";
import { EXPORT_KIND, exportLock, exportRecord, type ExportJob, type ExportParams, type ExportProgress, type ExportResult } from "../core/export-job.js";
import type { JobKind } from "../jobs/kind.js";
import type { Source } from "../sources/port.js";
import type { Store } from "../store/port.js";
import { runExport } from "./engine.js";
import { siteBaseUrl } from "./export-paths.js";

export interface ExportKindDeps {
  config: Config;
  store: Store;
  sources: readonly Source[];
}

export function exportKind(deps: ExportKindDeps): JobKind<ExportParams, ExportResult, ExportProgress> {
  return {
    name: EXPORT_KIND,
    noun: "the export",
    lockKey: (siteId) => exportLock(siteId ?? 0),
    async run(ctx) {
      const site = ctx.site!;
      const outcome = await runExport({
        store: deps.store,
        site,
        instanceUrl: siteBaseUrl(deps.config, site),
        job: exportRecord(ctx.job as unknown as ExportJob),
        settings: deps.config.export,
        sources: deps.sources,
        zone: deps.config.timeZone,
        background: deps.config.jobs.background,
        signal: ctx.signal,
        onProgress: (p) =>
          ctx.progress({
            label: p.entity,
            done: p.totalRowsWritten,
            total: p.totalRowsEstimated,
            unit: "rows",
            rate: p.rowsPerSecond,
            etaSeconds: p.etaSeconds,
            detail: p,
          }),
      });
      return {
        result: { statistics: outcome.statistics, files: outcome.files },
        warnings: outcome.warnings,
        summary: { rows: outcome.statistics.writtenRows, directory: outcome.directory },
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
