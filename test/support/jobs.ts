/** Export jobs made by hand for tests: a job "of another node" held in the store, as a node would write it. */
import { EXPORT_KIND, exportLock, type ExportParams } from "../../src/core/export-job.js";
import type { JobStatus, NewJob } from "../../src/core/job.js";

export interface ExportJobFields extends Partial<ExportParams> {
  siteId: number;
  status?: JobStatus;
  nodeId?: string;
  instanceId?: string;
  pid?: number;
  startTime?: number;
  leaseExpiresAt?: number;
  trigger?: NewJob["trigger"];
}

export function newExportJob(f: ExportJobFields): NewJob {
  const now = f.startTime ?? Date.now();
  return {
    siteId: f.siteId,
    kind: EXPORT_KIND,
    status: f.status ?? "STARTED",
    trigger: f.trigger ?? "api",
    lockKey: exportLock(f.siteId),
    params: {
      schemaVersion: f.schemaVersion ?? 1,
      exportFrom: f.exportFrom ?? 0,
      forced: f.forced ?? false,
      rootExportPath: f.rootExportPath ?? "/tmp/export",
      optedOut: f.optedOut ?? [],
      format: f.format ?? "csv",
    },
    result: null,
    progress: null,
    warnings: [],
    errors: [],
    nodeId: f.nodeId ?? "node-x",
    instanceId: f.instanceId ?? "node-x:1:0:test",
    pid: f.pid ?? 1,
    createdAt: now,
    startTime: now,
    completedTime: null,
    cancelledTime: null,
    leaseExpiresAt: f.leaseExpiresAt ?? now + 60_000,
    notBefore: 0,
    scheduleId: null,
    parentId: null,
  };
}
