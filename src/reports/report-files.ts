/**
 * Where built report files are kept and how people fetch them. Each run writes into its own directory
 * (`<reports.directory>/<runId>/`, mode 0700; files 0600). A run's file is kept until its deliveries
 * are done and it is no longer its schedule's latest, and never past its `keepUntil` unless it is the
 * latest (the API delivery fetches that one). Download links are signed (HMAC-SHA256 with a key every
 * node shares) and carry their expiry: a link answers 410 once expired or its file is gone, 403 when
 * any part of it was changed.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { mkdir, readdir, rm } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { Config } from "../config.js";
import { SluiceError } from "../core/errors.js";
import type { Store } from "../store/port.js";
import type { ReportRunResult } from "./schedule-model.js";
import { REPORT_KIND } from "./schedule-model.js";

export function reportsDirectory(config: Config): string {
  return config.reports.directory ? resolve(config.home, config.reports.directory) : join(config.home, "reports");
}

/** The directory of one run's file, made owner-only. */
export async function runDirectory(config: Config, runId: number): Promise<string> {
  const dir = join(reportsDirectory(config), String(runId));
  await mkdir(dir, { recursive: true, mode: 0o700 });
  return dir;
}

const LINK_SECRET = "report-links";

export interface LinkParts {
  runId: number;
  name: string;
  expires: number;
}

function signature(key: Buffer, link: LinkParts): string {
  return createHmac("sha256", key).update(`${link.runId}\n${link.name}\n${link.expires}`).digest("base64url");
}

/** The path and query of a signed link (to put after the server's base URL). */
export async function signedLink(store: Store, link: LinkParts): Promise<string> {
  const key = await store.reports.secret(LINK_SECRET);
  return `/rest/reports/v1/files/${link.runId}/${encodeURIComponent(link.name)}?expires=${link.expires}&signature=${signature(key, link)}`;
}

/** Checks a link: 403 when tampered with (any part), 410 when expired. */
export async function verifyLink(store: Store, link: LinkParts, given: string, now: number): Promise<void> {
  const key = await store.reports.secret(LINK_SECRET);
  const expected = Buffer.from(signature(key, link));
  const actual = Buffer.from(given);
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) {
    throw new SluiceError("sluice.report.link.invalid", "This download link is not valid: it was changed or was never made by this server.");
  }
  if (now > link.expires) {
    throw new SluiceError("sluice.report.file.gone", `This download link expired on ${new Date(link.expires).toISOString()}; run the report again or ask its owner for a new link.`);
  }
}

/** Whether a run's file must still be kept. */
export function keepFile(result: ReportRunResult, latest: boolean, now: number): boolean {
  if (!result.file) return false;
  if (latest) return true;
  if (result.keepUntil !== null && now > result.keepUntil) return false;
  // Links need the file until they expire; failed deliveries until they are re-sent or retention ends.
  return result.deliveries.some((d) => d.type === "link" || d.status !== "SENT");
}

/**
 * Deletes the files no run needs any more (runs' directories under the reports directory); returns
 * how many went. `latest` says which run is its schedule's latest.
 */
export async function sweepFiles(config: Config, store: Store, now: number): Promise<number> {
  const root = reportsDirectory(config);
  let names: string[];
  try {
    names = await readdir(root);
  } catch {
    return 0;
  }
  const latestBySchedule = new Map<number, number | null>();
  let removed = 0;
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    const job = await store.jobs.get(Number(name));
    let keep = false;
    if (job && job.kind === REPORT_KIND) {
      if (job.status === "QUEUED" || job.status === "STARTED" || job.status === "CANCELLATION_REQUESTED") keep = true;
      else if (job.result && job.scheduleId !== null) {
        if (!latestBySchedule.has(job.scheduleId)) latestBySchedule.set(job.scheduleId, await latestRunWithFile(store, job.scheduleId));
        keep = keepFile(job.result as unknown as ReportRunResult, latestBySchedule.get(job.scheduleId) === job.id, now);
      }
    }
    if (!keep) {
      await rm(join(root, name), { recursive: true, force: true });
      removed++;
    }
  }
  return removed;
}

/** The newest finished run of a schedule that built a file (what `latest` serves). */
export async function latestRunWithFile(store: Store, scheduleId: number): Promise<number | null> {
  for (let offset = 0; offset < 1000; offset += 50) {
    const { jobs } = await store.jobs.list({ kind: REPORT_KIND, scheduleId, statuses: ["COMPLETED", "FAILED"] }, offset, 50);
    for (const job of jobs) {
      const result = job.result as unknown as ReportRunResult | null;
      if (result?.file && !result.resendOf) return job.id;
    }
    if (jobs.length < 50) break;
  }
  return null;
}
