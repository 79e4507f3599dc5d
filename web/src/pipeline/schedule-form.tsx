import { useEffect, useState } from "react";
import type { FormEvent } from "react";
import { errorText } from "../api/client.js";
import type { PipelineApi } from "../api/pipeline.js";
import type { Schedule, SchemaVersion } from "../api/types.js";
import { isoToLocalInput, localInputToIso, time } from "../app/format.js";
import { FieldError } from "../components/field-error.js";

const DAYS: [string, string][] = [
  ["mon", "Mon"],
  ["tue", "Tue"],
  ["wed", "Wed"],
  ["thu", "Thu"],
  ["fri", "Fri"],
  ["sat", "Sat"],
  ["sun", "Sun"],
];

const LONG_DAYS: Record<string, string> = {
  monday: "mon",
  tuesday: "tue",
  wednesday: "wed",
  thursday: "thu",
  friday: "fri",
  saturday: "sat",
  sunday: "sun",
};

function dayKey(day: string): string {
  const lower = day.toLowerCase();
  return LONG_DAYS[lower] ?? lower.slice(0, 3);
}

/** The recurring export: days, every N weeks, time, data since, schema version; shows the next run. */
export function ScheduleForm({ pipeline }: { pipeline: PipelineApi }) {
  const [saved, setSaved] = useState<Schedule | null | undefined>(undefined);
  const [days, setDays] = useState<string[]>([]);
  const [weeks, setWeeks] = useState("1");
  const [at, setAt] = useState("02:00");
  const [fromDate, setFromDate] = useState("");
  const [schema, setSchema] = useState("");
  const [schemas, setSchemas] = useState<SchemaVersion[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  function show(schedule: Schedule | null) {
    setSaved(schedule);
    if (!schedule) return;
    setDays((schedule.days ?? []).map(dayKey));
    setWeeks(String(schedule.repeatIntervalInWeeks ?? "1"));
    setAt((schedule.time ?? "02:00:00").slice(0, 5));
    setFromDate(isoToLocalInput(schedule.fromDate));
    setSchema(schedule.schemaVersion !== undefined ? String(schedule.schemaVersion) : "");
  }

  useEffect(() => {
    let cancelled = false;
    Promise.all([pipeline.schedule(), pipeline.schemas()])
      .then(([schedule, list]) => {
        if (cancelled) return;
        setSchemas(list);
        show(schedule);
      })
      .catch((e) => {
        if (!cancelled) setError(`Could not read the schedule: ${errorText(e)}`);
      });
    return () => {
      cancelled = true;
    };
  }, [pipeline]);

  function toggle(day: string) {
    setDays((current) => (current.includes(day) ? current.filter((d) => d !== day) : [...current, day]));
  }

  async function save(event: FormEvent) {
    event.preventDefault();
    setError(null);
    setNotice(null);
    if (days.length === 0) {
      setError("Pick at least one day.");
      return;
    }
    const n = Number(weeks);
    if (!Number.isInteger(n) || n < 1 || n > 52) {
      setError("Repeat every 1 to 52 weeks.");
      return;
    }
    if (!/^\d{2}:\d{2}$/.test(at)) {
      setError("Enter a time of day, for example 02:30.");
      return;
    }
    const body: Schedule = {
      days: DAYS.map(([d]) => d).filter((d) => days.includes(d)),
      repeatIntervalInWeeks: String(n),
      time: `${at}:00`,
    };
    if (fromDate) body.fromDate = localInputToIso(fromDate);
    const version = schema || String(schemas.find((s) => s.status === "ACTIVE")?.version ?? "");
    if (version) body.schemaVersion = version;
    setBusy(true);
    try {
      await pipeline.saveSchedule(body);
      show(await pipeline.schedule());
      setNotice("Schedule saved.");
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  }

  async function remove() {
    setError(null);
    setNotice(null);
    setBusy(true);
    try {
      await pipeline.deleteSchedule();
      setSaved(null);
      setNotice("Schedule removed. Exports run only when started by hand.");
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="card" aria-labelledby="schedule-title">
      <h2 id="schedule-title">Schedule</h2>
      <p data-testid="next-run">
        {saved === undefined && <span className="muted">Loading…</span>}
        {saved === null && <span className="muted">No schedule: exports run only when started. Pick days below to add one.</span>}
        {saved && (
          <>
            Next run: <strong>{time(saved.nextRunTime)}</strong>
          </>
        )}
      </p>
      <form onSubmit={(event) => void save(event)} noValidate aria-describedby={error ? "schedule-error" : undefined}>
        <fieldset className="days">
          <legend>Days</legend>
          {DAYS.map(([value, label]) => (
            <label key={value} className="day">
              <input type="checkbox" checked={days.includes(value)} onChange={() => toggle(value)} />
              {label}
            </label>
          ))}
        </fieldset>
        <div className="inline-form">
          <div className="field">
            <label htmlFor="schedule-weeks">Every N weeks</label>
            <input id="schedule-weeks" type="number" min={1} max={52} value={weeks} onChange={(e) => setWeeks(e.target.value)} />
          </div>
          <div className="field">
            <label htmlFor="schedule-time">Time (server zone)</label>
            <input id="schedule-time" type="time" value={at} onChange={(e) => setAt(e.target.value)} />
          </div>
          <div className="field">
            <label htmlFor="schedule-from">Data since</label>
            <input id="schedule-from" type="datetime-local" value={fromDate} onChange={(e) => setFromDate(e.target.value)} />
          </div>
          {schemas.length > 0 && (
            <div className="field">
              <label htmlFor="schedule-schema">Schema version</label>
              <select id="schedule-schema" value={schema} onChange={(e) => setSchema(e.target.value)}>
                <option value="">Current</option>
                {schemas.map((s) => (
                  <option key={s.version} value={String(s.version)}>
                    {s.version} ({s.status.toLowerCase()})
                  </option>
                ))}
              </select>
            </div>
          )}
        </div>
        <FieldError id="schedule-error" message={error} />
        <div className="actions">
          <button type="submit" className="primary" disabled={busy}>
            Save schedule
          </button>
          {saved && (
            <button type="button" onClick={() => void remove()} disabled={busy}>
              Remove schedule
            </button>
          )}
        </div>
      </form>
      {notice && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
    </section>
  );
}
