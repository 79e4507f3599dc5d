/**
 * The move from version 1 stores (an export-only `jobs` table; sync runs, the export schedule and the
 * source kept in the settings bag) to the job runner's `jobs` and `schedules` tables. Pure: each
 * function turns old rows into new ones; the adapters read and write. The old shapes are written out
 * here on purpose: a migration reads the data as it was, whatever the code says today.
 */
import { EXPORT_KIND, exportLock } from "../../core/export-job.js";
import type { JobStatus, NewJob } from "../../core/job.js";
import type { Recurrence } from "../../core/recurrence.js";
import { scheduleRecurrence, type Schedule } from "../../core/schedule.js";
import type { NewSchedule } from "../port.js";

/** A row of the version 1 `jobs` table (SQLite 1/0 or PostgreSQL booleans). */
export interface V1JobRow {
  site_id: number;
  job_id: number;
  status: string;
  trigger: string;
  start_time: number;
  completed_time: number | null;
  cancelled_time: number | null;
  node_id: string;
  instance_id: string;
  pid: number;
  schema_version: number;
  export_from: number;
  forced: number | boolean;
  root_export_path: string;
  opted_out: string;
  warnings: string;
  errors: string;
  statistics: string | null;
  progress: string | null;
  files: string | null;
  lease_expires_at: number;
}

const parse = <T,>(text: string | null): T | null => (text === null ? null : (JSON.parse(text) as T));

/** A version 1 export job as a job of kind `export`, with its number kept. */
export function v1ExportJob(r: V1JobRow): { job: NewJob; seq: number } {
  const statistics = parse<Record<string, unknown>>(r.statistics);
  const files = parse<unknown[]>(r.files);
  const progress = parse<Record<string, unknown>>(r.progress);
  return {
    seq: r.job_id,
    job: {
      siteId: r.site_id,
      kind: EXPORT_KIND,
      status: r.status as JobStatus,
      trigger: r.trigger as NewJob["trigger"],
      lockKey: exportLock(r.site_id),
      params: {
        schemaVersion: r.schema_version,
        exportFrom: r.export_from,
        forced: r.forced === true || r.forced === 1,
        rootExportPath: r.root_export_path,
        optedOut: JSON.parse(r.opted_out) as unknown,
        format: "csv",
      },
      result: statistics || files ? { statistics, files } : null,
      progress: progress
        ? {
            label: String(progress.entity ?? ""),
            done: Number(progress.totalRowsWritten ?? 0),
            total: Number(progress.totalRowsEstimated ?? 0),
            unit: "rows",
            rate: Number(progress.rowsPerSecond ?? 0),
            etaSeconds: (progress.etaSeconds as number | null | undefined) ?? null,
            detail: progress,
          }
        : null,
      warnings: JSON.parse(r.warnings) as NewJob["warnings"],
      errors: JSON.parse(r.errors) as NewJob["errors"],
      nodeId: r.node_id,
      instanceId: r.instance_id,
      pid: r.pid,
      createdAt: r.start_time,
      startTime: r.start_time,
      completedTime: r.completed_time,
      cancelledTime: r.cancelled_time,
      leaseExpiresAt: r.lease_expires_at,
      notBefore: 0,
      scheduleId: null,
      parentId: null,
    },
  };
}

/** A sync run as version 1 kept it in the `sync.runs` and `sync.current` settings. */
interface V1SyncRun {
  id: string;
  kind: string;
  status: "RUNNING" | "SUCCEEDED" | "FAILED";
  mode: "full" | "incremental";
  startedAt: string;
  finishedAt?: string;
  heartbeatAt: number;
  host: string;
  pid: number;
  counts: Record<string, number>;
  deleted: Record<string, number>;
  streams: unknown[];
  requests: number;
  retries: number;
  error?: { message: string; entity?: string; path?: string };
}

/**
 * The sync runs of a site (`sync.runs`, newest first, and `sync.current`) as jobs of kind `sync`,
 * oldest first. A run left RUNNING by version 1 ended without saying so: it becomes FAILED.
 */
export function v1SyncJobs(siteId: number, runsJson: string | undefined, currentJson: string | undefined, now: number): NewJob[] {
  const runs = runsJson ? (JSON.parse(runsJson) as V1SyncRun[]) : [];
  const current = currentJson ? (JSON.parse(currentJson) as V1SyncRun | { status: "NONE" }) : undefined;
  const all = [...runs];
  if (current && current.status !== "NONE" && !all.some((r) => r.id === current.id)) all.unshift(current);
  return all.reverse().map((run) => {
    const started = Date.parse(run.startedAt);
    const finished = run.finishedAt ? Date.parse(run.finishedAt) : null;
    const lost = run.status === "RUNNING";
    const status: JobStatus = run.status === "SUCCEEDED" ? "COMPLETED" : "FAILED";
    const error = lost ? { message: "the sync stopped without finishing (found running when the store was upgraded)" } : run.error;
    return {
      siteId,
      kind: "sync",
      status,
      trigger: "cli",
      lockKey: `sync:${siteId}`,
      params: { full: run.mode === "full", reconcile: false },
      result: {
        source: run.kind,
        mode: run.mode,
        counts: run.counts,
        deleted: run.deleted,
        streams: run.streams,
        requests: run.requests,
        retries: run.retries,
        ...(error ? { error } : {}),
      },
      progress: null,
      warnings: [],
      errors: error ? [{ key: lost ? "sync.node.lost" : "sluice.sync.failed", message: error.message.slice(0, 255) }] : [],
      nodeId: run.host,
      instanceId: `${run.host}:${run.pid}:v1`,
      pid: run.pid,
      createdAt: started,
      startTime: started,
      completedTime: finished ?? (lost ? now : started),
      cancelledTime: null,
      leaseExpiresAt: run.heartbeatAt,
      notBefore: 0,
      scheduleId: null,
      parentId: null,
    };
  });
}

/** The version 1 export schedule (`schedule` setting) as the site's `data-pipeline` schedule. */
export function v1ExportSchedule(siteId: number, json: string, systemZone: string): NewSchedule {
  const stored = JSON.parse(json) as { schedule: Schedule; nextRunAt: number };
  return {
    siteId,
    kind: EXPORT_KIND,
    name: "data-pipeline",
    params: { schedule: stored.schedule },
    recurrence: scheduleRecurrence(stored.schedule, systemZone),
    enabled: true,
    nextRunAt: stored.nextRunAt,
    owner: null,
  };
}

/** A connector source syncs every `intervalMinutes` (15 by default): its schedule. */
export function sourceSchedule(siteId: number, intervalMinutes: number | undefined, now: number): NewSchedule {
  const recurrence: Recurrence = { unit: "minute", interval: intervalMinutes ?? 15, zone: "UTC", start: now };
  return { siteId, kind: "sync", name: "source", params: {}, recurrence, enabled: true, nextRunAt: now + recurrence.interval * 60_000, owner: null };
}
