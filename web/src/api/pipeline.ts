/** The Data pipeline REST API of one site, at `<context path>/rest/datapipeline/latest`. */
import type { Api, ApiResponse } from "./client.js";
import type { ExportPath, HistoryPage, Job, OptedOutEntity, Schedule, SchemaVersion, ScopeType } from "./types.js";

export interface StartExportOptions {
  fromDate?: string;
  forceExport: boolean;
  schemaVersion?: number;
}

export interface CancelResult {
  jobId?: number;
  status: string;
  message: string;
}

export interface PipelineApi {
  currentJob(): Promise<Job | null>;
  startExport(options: StartExportOptions): Promise<ApiResponse<Job | Record<string, unknown>>>;
  cancel(jobId: number): Promise<ApiResponse<CancelResult>>;
  history(offset: number, limit: number): Promise<HistoryPage>;
  exportPath(): Promise<ExportPath>;
  setExportPath(path: string): Promise<ExportPath>;
  resetExportPath(): Promise<ExportPath>;
  schemas(): Promise<SchemaVersion[]>;
  schedule(): Promise<Schedule | null>;
  saveSchedule(schedule: Schedule): Promise<void>;
  deleteSchedule(): Promise<void>;
  optOuts(): Promise<OptedOutEntity[]>;
  optOut(type: ScopeType, keys: string[]): Promise<void>;
  optIn(type: ScopeType, keys: string[]): Promise<void>;
}

export function pipelineBase(contextPath: string): string {
  const trimmed = contextPath.replace(/\/+$/, "");
  const prefix = trimmed === "" ? "" : trimmed.startsWith("/") ? trimmed : `/${trimmed}`;
  return `${prefix}/rest/datapipeline/latest`;
}

export function isJob(body: unknown): body is Job {
  return !!body && typeof body === "object" && typeof (body as Job).jobId === "number";
}

export function createPipelineApi(api: Api, contextPath: string): PipelineApi {
  const base = pipelineBase(contextPath);
  return {
    async currentJob() {
      const body = await api.get<unknown>(`${base}/export`);
      return isJob(body) ? body : null;
    },
    startExport(options) {
      const query = new URLSearchParams();
      if (options.fromDate) query.set("fromDate", options.fromDate);
      query.set("forceExport", String(options.forceExport));
      if (options.schemaVersion !== undefined) query.set("schemaVersion", String(options.schemaVersion));
      return api.request("POST", `${base}/export?${query.toString()}`, { accept: [409, 422] });
    },
    cancel(jobId) {
      return api.request("DELETE", `${base}/export?jobId=${jobId}`, { accept: [409] });
    },
    history(offset, limit) {
      return api.get(`${base}/history?offset=${offset}&limit=${limit}`);
    },
    exportPath() {
      return api.get(`${base}/config/export-path`);
    },
    async setExportPath(path) {
      return (await api.request<ExportPath>("PUT", `${base}/config/export-path`, { body: { path } })).body;
    },
    async resetExportPath() {
      return (await api.request<ExportPath>("DELETE", `${base}/config/export-path`)).body;
    },
    async schemas() {
      const body = await api.get<unknown>(`${base}/config/schema`);
      return Array.isArray(body) ? (body as SchemaVersion[]) : [];
    },
    async schedule() {
      const body = await api.get<Schedule | null>(`${base}/config/schedule`);
      return body && Array.isArray(body.days) && body.days.length > 0 ? body : null;
    },
    async saveSchedule(schedule) {
      await api.request("PUT", `${base}/config/schedule`, { body: schedule });
    },
    async deleteSchedule() {
      await api.request("DELETE", `${base}/config/schedule`);
    },
    async optOuts() {
      const body = await api.get<{ optedOutEntities?: OptedOutEntity[] }>(`${base}/config/optout`);
      return body?.optedOutEntities ?? [];
    },
    async optOut(type, keys) {
      await api.request("POST", `${base}/config/optout`, { body: { type, keys } });
    },
    async optIn(type, keys) {
      await api.request("DELETE", `${base}/config/optout`, { body: { type, keys } });
    },
  };
}
