/**
 * A refused request's problems, each with the field it names when the message starts with one
 * (`deliveries.1.host: …`, `columns[2]: …`, `repeat.days: …`): the whole list goes beside the form, and
 * each field shows its own.
 */
import { ApiError, errorText } from "../api/client.js";

export interface Problem {
  /** The field's path as the server writes it, or null when the message names none. */
  field: string | null;
  message: string;
}

const PATH = /^([A-Za-z_]\w*(?:\.\w+|\[\d+\])*): ([\s\S]+)$/;

export function splitProblem(text: string): Problem {
  const match = PATH.exec(text);
  return match ? { field: match[1] ?? null, message: match[2] ?? text } : { field: null, message: text };
}

/** The problems of any thrown value: an API error's list, or its message. */
export function problemsOf(error: unknown): Problem[] {
  if (error instanceof ApiError && error.errors.length > 0) return error.errors.map((e) => splitProblem(e.message));
  return [{ field: null, message: errorText(error) }];
}

/** Whether `path` is `field` or inside it (`deliveries.0` holds `deliveries.0.url`, `columns` holds `columns[1]`). */
function within(path: string, field: string): boolean {
  return path === field || path.startsWith(`${field}.`) || path.startsWith(`${field}[`);
}

/** The messages about one field (and what it holds), joined; null when none. */
export function problemAt(problems: readonly Problem[], field: string): string | null {
  const found = problems.filter((p) => p.field !== null && within(p.field, field)).map((p) => p.message);
  return found.length > 0 ? found.join(" ") : null;
}

const LABELS: Record<string, string> = {
  name: "Name",
  site: "Site",
  entity: "Entity",
  sqlQueryId: "Saved SQL query",
  columns: "Columns",
  jql: "JQL",
  filter: "Filter",
  sort: "Sort",
  visibility: "Who sees it",
  format: "Format",
  repeat: "Repeat",
  startDate: "Start date",
  time: "Time",
  zoneId: "Time zone",
  fileName: "File name",
  retentionDays: "Keep files",
  deliveries: "Deliveries",
};

/** A field's path in words: `deliveries.1.host` → `Delivery 2, host`, `columns[0]` → `Columns, item 1`. */
export function fieldLabel(path: string): string {
  const delivery = /^deliveries\.(\d+)(?:\.(.+))?$/.exec(path);
  if (delivery) return `Delivery ${Number(delivery[1]) + 1}${delivery[2] ? `, ${delivery[2]}` : ""}`;
  const [head = path, ...rest] = path.split(/\.|(?=\[)/);
  const item = (segment: string) => {
    const index = /^\[(\d+)\]$/.exec(segment)?.[1];
    return index === undefined ? segment : `item ${Number(index) + 1}`;
  };
  return [LABELS[head] ?? head, ...rest.map(item)].join(", ");
}
