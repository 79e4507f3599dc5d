/**
 * The post-operation report of a restore: rows restored per entity (with the rows kept as the
 * destination had them and how far ids moved), attachments copied, containers skipped, groups merged or
 * left out, git repositories cloned, and the site settings applied or not applied (with why). A dry run's
 * says what would have been written.
 */
import type { RestoreReport } from "../api/backup.js";
import { bytes, count, time } from "../app/format.js";

export function RestoreReportView({ report }: { report: RestoreReport }) {
  const entities = Object.entries(report.restored);
  const total = entities.reduce((sum, [, l]) => sum + l.rows, 0);
  const verb = report.dryRun ? "would be restored" : "restored";
  return (
    <section className="card restore-report" aria-labelledby="report-title" data-testid="restore-report">
      <h2 id="report-title">Post-operation report{report.dryRun ? " (dry run: nothing was written)" : ""}</h2>
      <p>
        {count(total)} rows {verb} in {count(entities.filter(([, l]) => l.rows > 0).length)} entities, {time(report.startedAt)} to {time(report.completedAt)}.
      </p>
      <div className="table-wrap">
        <table className="table compact" aria-label={`Rows ${verb} per entity`}>
          <thead>
            <tr>
              <th scope="col">Entity</th>
              <th scope="col" className="num">
                Rows {verb}
              </th>
              <th scope="col" className="num">
                Kept as the destination had them
              </th>
              <th scope="col" className="num">
                Ids moved by
              </th>
            </tr>
          </thead>
          <tbody>
            {entities.map(([entity, listing]) => (
              <tr key={entity} data-entity={entity}>
                <th scope="row">{entity}</th>
                <td className="num">{count(listing.rows)}</td>
                <td className="num">{count(report.kept[entity] ?? 0)}</td>
                <td className="num">{report.remapped[entity] ? `+${count(report.remapped[entity])}` : "–"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div className="report-grid">
        <div>
          <h3>Attachments</h3>
          <p>
            {count(report.attachments.copied)} copied ({bytes(report.attachments.bytes)})
            {report.attachments.missing.length > 0 ? `; ${count(report.attachments.missing.length)} missing from the backup:` : "."}
          </p>
          <Names names={report.attachments.missing} label="Missing attachments" />
        </div>
        <NameSection title="Skipped" names={report.skipped.scopes} empty="Nothing: no container of the backup was on the destination already." hint="On the destination already: its version stays." />
        <NameSection title="Groups merged" names={report.merged.groups} empty="None." hint={`On the destination already: the backup's members ${report.dryRun ? "would be" : "were"} added.`} />
        <NameSection title="Groups left out" names={report.denied.groups} empty="None." hint="New to the destination and denied: left out with their memberships." />
        {report.git.repositories.length > 0 && <NameSection title="Git repositories cloned" names={report.git.repositories} empty="None." />}
        <div>
          <h3>Settings</h3>
          <p>{report.settings.applied.length > 0 ? `Applied: ${report.settings.applied.join(", ")}.` : "None applied."}</p>
          {report.settings.notApplied.length > 0 && (
            <table className="table compact" aria-label="Settings not applied">
              <thead>
                <tr>
                  <th scope="col">Setting not applied</th>
                  <th scope="col">Why</th>
                </tr>
              </thead>
              <tbody>
                {report.settings.notApplied.map((s) => (
                  <tr key={s.setting}>
                    <th scope="row" className="mono">
                      {s.setting}
                    </th>
                    <td>{s.reason}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
      </div>
    </section>
  );
}

function NameSection({ title, names, empty, hint }: { title: string; names: string[]; empty: string; hint?: string }) {
  return (
    <div>
      <h3>{title}</h3>
      {names.length === 0 ? (
        <p className="muted">{empty}</p>
      ) : (
        <>
          {hint && <p className="hint">{hint}</p>}
          <Names names={names} label={title} />
        </>
      )}
    </div>
  );
}

function Names({ names, label }: { names: string[]; label: string }) {
  if (names.length === 0) return null;
  return (
    <ul className="name-list" aria-label={label}>
      {names.map((n) => (
        <li key={n} className="mono">
          {n}
        </li>
      ))}
    </ul>
  );
}
