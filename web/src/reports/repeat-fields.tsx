/** When a schedule runs: the repeat (daily, weekly on days, monthly on a day, yearly, every N units), start date, time and zone. */
import { WEEKDAYS } from "../api/reports.js";
import type { EveryUnit, RepeatType, Weekday } from "../api/reports.js";
import type { Problem } from "./api-problems.js";
import { problemAt } from "./api-problems.js";
import { FieldProblem } from "./field-problem.js";
import { dayName } from "./repeat-text.js";
import type { ScheduleDraft } from "./schedule-draft.js";

const REPEATS: [RepeatType, string][] = [
  ["daily", "Daily"],
  ["weekly", "Weekly, on some days"],
  ["monthly", "Monthly, on a day"],
  ["yearly", "Yearly"],
  ["every", "Every N days, weeks or months"],
];

/** Every IANA zone the browser knows, for suggestions. */
const ZONES: readonly string[] = typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [];

export interface RepeatFieldsProps {
  /** Makes the fields' ids unique on the page. */
  p: string;
  draft: ScheduleDraft;
  onChange: (patch: Partial<ScheduleDraft>) => void;
  problems: readonly Problem[];
}

export function RepeatFields({ p, draft, onChange, problems }: RepeatFieldsProps) {
  const at = (field: string) => problemAt(problems, field);
  const toggle = (day: Weekday) => {
    const days = draft.days.includes(day) ? draft.days.filter((d) => d !== day) : [...draft.days, day];
    onChange({ days: WEEKDAYS.filter((d) => days.includes(d)) });
  };
  return (
    <fieldset className="form-section">
      <legend>When</legend>
      <div className="form-grid">
        <div className="field">
          <label htmlFor={`${p}-repeat`}>Repeat</label>
          <select id={`${p}-repeat`} value={draft.repeatType} onChange={(e) => onChange({ repeatType: e.target.value as RepeatType })}>
            {REPEATS.map(([value, text]) => (
              <option key={value} value={value}>
                {text}
              </option>
            ))}
          </select>
          <FieldProblem id={`${p}-repeat-problem`} message={at("repeat.type")} />
        </div>
        {draft.repeatType === "monthly" && (
          <div className="field">
            <label htmlFor={`${p}-month-day`}>Day of the month</label>
            <input id={`${p}-month-day`} type="number" min={1} max={31} value={draft.monthDay} onChange={(e) => onChange({ monthDay: e.target.value })} aria-describedby={`${p}-month-day-hint ${p}-month-day-problem`} aria-invalid={at("repeat.day") ? true : undefined} />
            <p className="hint" id={`${p}-month-day-hint`}>
              A shorter month runs on its last day.
            </p>
            <FieldProblem id={`${p}-month-day-problem`} message={at("repeat.day")} />
          </div>
        )}
        {draft.repeatType === "every" && (
          <>
            <div className="field">
              <label htmlFor={`${p}-every-n`}>Every</label>
              <input id={`${p}-every-n`} type="number" min={1} value={draft.everyN} onChange={(e) => onChange({ everyN: e.target.value })} aria-describedby={`${p}-every-n-problem`} aria-invalid={at("repeat.n") ? true : undefined} />
              <FieldProblem id={`${p}-every-n-problem`} message={at("repeat.n")} />
            </div>
            <div className="field">
              <label htmlFor={`${p}-every-unit`}>Unit</label>
              <select id={`${p}-every-unit`} value={draft.everyUnit} onChange={(e) => onChange({ everyUnit: e.target.value as EveryUnit })}>
                <option value="days">days</option>
                <option value="weeks">weeks</option>
                <option value="months">months</option>
              </select>
              <FieldProblem id={`${p}-every-unit-problem`} message={at("repeat.unit")} />
            </div>
          </>
        )}
        <div className="field">
          <label htmlFor={`${p}-start`}>Start date</label>
          <input id={`${p}-start`} type="date" value={draft.startDate} onChange={(e) => onChange({ startDate: e.target.value })} aria-describedby={`${p}-start-hint ${p}-start-problem`} aria-invalid={at("startDate") ? true : undefined} />
          <p className="hint" id={`${p}-start-hint`}>
            The first day it may run{draft.repeatType === "every" ? ", and where “every N” counts from" : ""}.
          </p>
          <FieldProblem id={`${p}-start-problem`} message={at("startDate")} />
        </div>
        <div className="field">
          <label htmlFor={`${p}-time`}>Time</label>
          <input id={`${p}-time`} type="time" value={draft.time} onChange={(e) => onChange({ time: e.target.value })} aria-describedby={`${p}-time-problem`} aria-invalid={at("time") ? true : undefined} />
          <FieldProblem id={`${p}-time-problem`} message={at("time")} />
        </div>
        <div className="field">
          <label htmlFor={`${p}-zone`}>Time zone</label>
          <input id={`${p}-zone`} list={`${p}-zones`} value={draft.zoneId} onChange={(e) => onChange({ zoneId: e.target.value })} aria-describedby={`${p}-zone-problem`} aria-invalid={at("zoneId") ? true : undefined} />
          <datalist id={`${p}-zones`}>
            {ZONES.map((z) => (
              <option key={z} value={z} />
            ))}
          </datalist>
          <FieldProblem id={`${p}-zone-problem`} message={at("zoneId")} />
        </div>
      </div>
      {draft.repeatType === "weekly" && (
        <fieldset className="days" aria-describedby={`${p}-days-problem`}>
          <legend>Days</legend>
          {WEEKDAYS.map((day) => (
            <label key={day} className="day">
              <input type="checkbox" checked={draft.days.includes(day)} onChange={() => toggle(day)} />
              {dayName(day)}
            </label>
          ))}
          <FieldProblem id={`${p}-days-problem`} message={at("repeat.days")} />
        </fieldset>
      )}
    </fieldset>
  );
}
