/** The job runner's admin API under `/rest/admin/v1`: jobs of every kind and the schedules that start them. */
import type { Api } from "./client.js";
import type { JobDetail, JobFilter, JobList, JobView, ScheduleRun, ScheduleView } from "./types.js";

const BASE = "/rest/admin/v1";

export interface JobsApi {
  /** Jobs newest first, narrowed by `filter`. */
  list(filter: JobFilter, offset: number, limit: number): Promise<JobList>;
  /** One job with its params and result. */
  get(id: number): Promise<JobDetail>;
  /** Cancels a queued or running job; refused (409) when it has ended. */
  cancel(id: number): Promise<JobView>;
  /** Every schedule with its next five runs. */
  schedules(filter?: { site?: string; kind?: string }): Promise<ScheduleView[]>;
  /** Runs a schedule's job now (its next run stays). */
  runSchedule(id: number): Promise<ScheduleRun>;
}

export function createJobsApi(api: Api): JobsApi {
  return {
    list(filter, offset, limit) {
      const query = new URLSearchParams();
      if (filter.site !== undefined) query.set("site", filter.site);
      if (filter.kind !== undefined) query.set("kind", filter.kind);
      if (filter.statuses && filter.statuses.length > 0) query.set("status", filter.statuses.join(","));
      query.set("offset", String(offset));
      query.set("limit", String(limit));
      return api.get(`${BASE}/jobs?${query.toString()}`);
    },
    get(id) {
      return api.get(`${BASE}/jobs/${id}`);
    },
    async cancel(id) {
      return (await api.request<JobView>("DELETE", `${BASE}/jobs/${id}`)).body;
    },
    async schedules(filter = {}) {
      const query = new URLSearchParams();
      if (filter.site !== undefined) query.set("site", filter.site);
      if (filter.kind !== undefined) query.set("kind", filter.kind);
      const search = query.toString();
      const body = await api.get<{ values?: ScheduleView[] }>(`${BASE}/schedules${search ? `?${search}` : ""}`);
      return body?.values ?? [];
    },
    async runSchedule(id) {
      return (await api.request<ScheduleRun>("POST", `${BASE}/schedules/${id}/run`)).body;
    },
  };
}
