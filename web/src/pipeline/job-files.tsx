import type { Job } from "../api/types.js";
import { bytes, count, isRunning } from "../app/format.js";

/** The files of a job (name, entity, rows, size, SHA-256) and the folder they are in on the server. */
export function JobFiles({ job }: { job: Job }) {
  const directory = job.rootExportPath ? `${job.rootExportPath.replace(/\/+$/, "")}/${job.jobId}/` : null;
  return (
    <section className="card wide" aria-labelledby="job-files">
      <h2 id="job-files">Files</h2>
      {directory && (
        <p>
          Location on the server: <span className="mono wrap" data-testid="job-directory">{directory}</span>
        </p>
      )}
      {job.files && job.files.length > 0 ? (
        <div className="table-wrap">
          <table className="table" data-testid="job-files">
            <caption className="sr-only">Files written by job {job.jobId}</caption>
            <thead>
              <tr>
                <th scope="col">File</th>
                <th scope="col">Entity</th>
                <th scope="col" className="num">
                  Rows
                </th>
                <th scope="col" className="num">
                  Size
                </th>
                <th scope="col">SHA-256</th>
              </tr>
            </thead>
            <tbody>
              {job.files.map((file) => (
                <tr key={file.name}>
                  <td className="mono wrap">{file.name}</td>
                  <td>{file.entity ?? "–"}</td>
                  <td className="num">{count(file.rows)}</td>
                  <td className="num nowrap">{bytes(file.bytes)}</td>
                  <td className="mono hash">{file.sha256}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <p className="muted">
          {job.status === "COMPLETED"
            ? "This export wrote no files."
            : isRunning(job.status)
              ? "Files are listed when the export completes."
              : "Only completed exports keep their files; start a new export to get a full set."}
        </p>
      )}
    </section>
  );
}
