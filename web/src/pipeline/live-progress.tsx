import { useEffect, useState } from "react";
import type { Job } from "../api/types.js";
import { count, duration } from "../app/format.js";
import { ProgressBar } from "../components/progress-bar.js";

interface FileLine {
  file: string;
  entity: string;
  rowsWritten: number;
  rowsEstimated: number;
  done: boolean;
}

function fileEta(file: FileLine, rate: number): string {
  if (rate <= 0) return "–";
  const left = Math.max(0, file.rowsEstimated - file.rowsWritten) / rate;
  return `${count(rate)}/s · ${left < 1 ? "finishing" : `${duration(left)} left`}`;
}

/**
 * Progress of a running export, refreshed by the page's 1-second poll: the whole job, then each file
 * seen since this page opened (earlier files are counted, not listed).
 */
export function LiveProgress({ job }: { job: Job }) {
  const progress = job.progress;
  const [lines, setLines] = useState<{ jobId: number; files: FileLine[] }>({ jobId: job.jobId, files: [] });

  useEffect(() => {
    if (!progress) return;
    setLines((current) => {
      const files = current.jobId === job.jobId ? current.files : [];
      const line: FileLine = {
        file: progress.file,
        entity: progress.entity ?? "",
        rowsWritten: progress.rowsWritten,
        rowsEstimated: progress.rowsEstimated,
        done: false,
      };
      const index = files.findIndex((f) => f.file === progress.file);
      const next = files.map((f) => (f.file === progress.file ? f : { ...f, done: true, rowsEstimated: Math.max(f.rowsWritten, 0) }));
      if (index >= 0) next[index] = line;
      else next.push(line);
      return { jobId: job.jobId, files: next };
    });
  }, [job.jobId, progress]);

  if (!progress) {
    return (
      <p className="muted" role="status">
        Preparing the export…
      </p>
    );
  }
  const filesTotal = progress.filesTotal ?? 0;
  const filesDone = progress.filesDone ?? 0;
  const totalWritten = progress.totalRowsWritten ?? progress.rowsWritten;
  const totalEstimated = progress.totalRowsEstimated ?? progress.rowsEstimated;
  const rate = progress.rowsPerSecond ?? 0;
  const eta = progress.etaSeconds;
  const seen = lines.jobId === job.jobId ? lines.files : [];
  const earlier = Math.max(0, filesDone - seen.filter((f) => f.done).length);
  const percent = totalEstimated > 0 ? Math.min(100, Math.floor((totalWritten / totalEstimated) * 100)) : 0;

  return (
    <div className="live" data-testid="live-progress">
      <div className="live-summary">
        <ProgressBar value={totalWritten} max={totalEstimated} label="Export progress" />
        <p>
          <strong>{percent}%</strong> · {count(totalWritten)} of about {count(totalEstimated)} rows
          {filesTotal > 0 && (
            <>
              {" "}
              · file {Math.min(filesDone + 1, filesTotal)} of {filesTotal}
            </>
          )}{" "}
          · <span data-testid="rate">{count(rate)} rows/s</span> ·{" "}
          <span data-testid="eta">{eta === null || eta === undefined ? "ETA unknown" : `about ${duration(eta)} left`}</span>
        </p>
      </div>
      <table className="table compact">
        <caption className="sr-only">Files of the running export</caption>
        <thead>
          <tr>
            <th scope="col">File</th>
            <th scope="col" className="num">
              Rows written
            </th>
            <th scope="col">Progress</th>
            <th scope="col" className="nowrap">
              Rate · ETA
            </th>
          </tr>
        </thead>
        <tbody>
          {earlier > 0 && (
            <tr>
              <td colSpan={4} className="muted">
                {earlier} earlier file{earlier === 1 ? "" : "s"} done
              </td>
            </tr>
          )}
          {seen.map((f) => (
            <tr key={f.file}>
              <td className="mono wrap">
                {f.file}
                {f.entity && <span className="muted"> ({f.entity})</span>}
              </td>
              <td className="num">
                {count(f.rowsWritten)}
                {!f.done && <span className="muted"> / {count(f.rowsEstimated)}</span>}
              </td>
              <td>{f.done ? "Done" : <ProgressBar value={f.rowsWritten} max={f.rowsEstimated} label={`Progress of ${f.file}`} />}</td>
              <td className="nowrap">{f.done ? "" : fileEta(f, rate)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
