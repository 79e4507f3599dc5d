import type { PipelineApi } from "../api/pipeline.js";
import type { Job } from "../api/types.js";

/**
 * One job of a site by id, through the history (the API has no single-job read). Job ids count up per
 * site, so job N is usually at offset latest − N; scan pages when ids have gaps.
 */
export async function findJob(pipeline: PipelineApi, jobId: number): Promise<Job | null> {
  const head = await pipeline.history(0, 1);
  const latest = head.values[0];
  if (!latest) return null;
  if (latest.jobId === jobId) return latest;
  const guess = latest.jobId - jobId;
  if (guess > 0 && guess < head.size) {
    const page = await pipeline.history(guess, 1);
    const hit = page.values.find((j) => j.jobId === jobId);
    if (hit) return hit;
  }
  const limit = 100;
  for (let offset = 0; offset < head.size; offset += limit) {
    const page = await pipeline.history(offset, limit);
    const hit = page.values.find((j) => j.jobId === jobId);
    if (hit) return hit;
    if (page.lastPage || page.values.length === 0) break;
  }
  return null;
}
