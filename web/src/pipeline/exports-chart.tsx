import { useEffect, useState } from "react";
import { errorText } from "../api/client.js";
import type { PipelineApi } from "../api/pipeline.js";
import type { Job } from "../api/types.js";
import { count, duration, secondsBetween } from "../app/format.js";
import { BarChart } from "../components/bar-chart.js";
import type { Bar } from "../components/bar-chart.js";
import { EmptyState } from "../components/empty-state.js";
import { FieldError } from "../components/field-error.js";

const SHOWN = 10;

function entityOf(file: { name: string; entity?: string }): string {
  if (file.entity) return file.entity;
  const match = /^(.*)_job\d+/.exec(file.name);
  return match?.[1] ?? file.name;
}

const short = new Intl.NumberFormat("en", { maximumFractionDigits: 2 });

function compactCount(n: number): string {
  if (n >= 1_000_000) return `${short.format(n / 1_000_000)}M`;
  if (n >= 1_000) return `${short.format(n / 1_000)}k`;
  return short.format(n);
}

function compactDuration(seconds: number): string {
  if (seconds >= 3600) return `${short.format(seconds / 3600)}h`;
  if (seconds >= 60) return `${short.format(seconds / 60)}m`;
  return `${short.format(seconds)}s`;
}

/** Duration and rows per entity of the last completed exports, oldest on the left. */
export function ExportsChart({ pipeline, generation }: { pipeline: PipelineApi; generation: number }) {
  const [jobs, setJobs] = useState<Job[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let cancelled = false;
    pipeline
      .history(0, 30)
      .then((page) => {
        if (cancelled) return;
        setJobs(page.values.filter((j) => j.status === "COMPLETED").slice(0, SHOWN).reverse());
        setError(null);
      })
      .catch((e) => {
        if (!cancelled) setError(`Could not load the chart: ${errorText(e)}`);
      });
    return () => {
      cancelled = true;
    };
  }, [pipeline, generation]);

  const entities: string[] = [];
  for (const job of jobs ?? []) {
    for (const file of job.files ?? []) {
      const name = entityOf(file);
      if (!entities.includes(name)) entities.push(name);
    }
  }
  const durationBars: Bar[] = (jobs ?? []).map((job) => ({
    label: `#${job.jobId}`,
    segments: [{ series: "duration", value: secondsBetween(job.startTime, job.completedTime) ?? 0 }],
  }));
  const rowBars: Bar[] = (jobs ?? []).map((job) => {
    const byEntity = new Map<string, number>();
    for (const file of job.files ?? []) byEntity.set(entityOf(file), (byEntity.get(entityOf(file)) ?? 0) + file.rows);
    if (byEntity.size === 0 && job.statistics) byEntity.set("rows", job.statistics.writtenRows);
    return { label: `#${job.jobId}`, segments: [...byEntity].map(([series, value]) => ({ series, value })) };
  });
  const rowSeries = entities.length > 0 ? entities : ["rows"];

  return (
    <section className="card" aria-labelledby="chart-title">
      <h2 id="chart-title">Last exports</h2>
      <FieldError message={error} />
      {jobs && jobs.length === 0 && (
        <EmptyState title="Nothing to chart yet.">Completed exports appear here with their duration and rows per entity.</EmptyState>
      )}
      {jobs && jobs.length > 0 && (
        <div className="charts">
          <BarChart title="Duration" bars={durationBars} series={["duration"]} format={compactDuration} />
          <BarChart title="Rows per entity" bars={rowBars} series={rowSeries} format={compactCount} />
          <details className="chart-data">
            <summary>Show the numbers</summary>
            <table className="table compact">
              <thead>
                <tr>
                  <th scope="col">Job</th>
                  <th scope="col">Duration</th>
                  {rowSeries.map((name) => (
                    <th key={name} scope="col" className="num">
                      {name}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {(jobs ?? []).map((job, i) => (
                  <tr key={job.jobId}>
                    <td>{job.jobId}</td>
                    <td>{duration(secondsBetween(job.startTime, job.completedTime))}</td>
                    {rowSeries.map((name) => (
                      <td key={name} className="num">
                        {count(rowBars[i]?.segments.find((s) => s.series === name)?.value ?? 0)}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </details>
        </div>
      )}
    </section>
  );
}
