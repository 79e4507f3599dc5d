/**
 * Runs a Data pipeline export of a site in this process (no job runner) and reads back one entity's
 * CSV file as records: what the sync tests compare with the truth upstream.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { exportSettingsSchema } from "../../src/config.js";
import type { ExportJobRecord } from "../../src/core/export-job.js";
import { runExport } from "../../src/export/engine.js";
import type { Site, Store } from "../../src/store/port.js";

let nextJob = 1;

/** A STARTED export job of `site` into `root`, for running the export engine directly. */
export function exportJobRecord(site: Site, root: string, jobId: number, overrides: Partial<ExportJobRecord> = {}): ExportJobRecord {
  const now = Date.now();
  return {
    id: jobId,
    siteId: site.id,
    jobId,
    format: "csv",
    status: "STARTED",
    trigger: "api",
    startTime: now,
    completedTime: null,
    cancelledTime: null,
    nodeId: "node-1",
    instanceId: "test",
    pid: process.pid,
    schemaVersion: 1,
    exportFrom: Date.parse("2000-01-01T00:00:00Z"),
    forced: false,
    rootExportPath: root,
    optedOut: [],
    warnings: [],
    errors: [],
    statistics: null,
    progress: null,
    files: null,
    leaseExpiresAt: now + 60_000,
    ...overrides,
  };
}

/** The rows of `entity`'s file of a fresh export of `site` into `root` (export settings as given). */
export async function exportedRows(store: Store, site: Site, root: string, entity: string, settings: Record<string, unknown> = {}): Promise<Record<string, string>[]> {
  const outcome = await runExport({
    store,
    site,
    instanceUrl: site.baseUrl,
    job: exportJobRecord(site, root, nextJob++),
    settings: exportSettingsSchema.parse({ minimumUsableDiskSpaceAfterExport: 0, ...settings }),
    sources: [],
    zone: "UTC",
    signal: new AbortController().signal,
    onProgress: () => undefined,
  });
  const file = outcome.files.find((f) => f.entity === entity);
  if (!file) throw new Error(`the export has no ${entity} file`);
  return parse<Record<string, string>>(await readFile(join(outcome.directory, file.name)), { columns: true });
}
