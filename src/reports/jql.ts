/**
 * The JQL subset a report over Jira issues may use as its filter (issue 15), turned into the query
 * layer's conditions and order (src/core/query.ts), so that a report runs inside the store with its
 * owner's permissions like any other query:
 *
 *   project = PLAT AND status in ("To Do", "In Progress") AND assignee = currentUser()
 *     AND updated >= -7d ORDER BY created DESC
 *
 * Clauses joined by AND; `=`, `!=`, `<`, `<=`, `>`, `>=`, `in (…)`, `not in (…)`, `~` (contains),
 * `is [not] empty|null`; values quoted ("…" or '…'), bare words, numbers, `currentUser()`, dates
 * (`2024-01-31`, `"2024-01-31 10:00"`) and relative times (`-7d`, `-2w`, `-4h`, `-30m`, `startOfDay()`);
 * `ORDER BY field [ASC|DESC], …`. Anything else (OR, NOT, parentheses, other functions, history
 * operators such as WAS or CHANGED, unknown fields) is refused with an error naming it and its
 * place. No library parses JQL outside Atlassian's editor bundle; the subset is small enough that a
 * recursive-descent parser is the plain way.
 */
import { SluiceError } from "../core/errors.js";
import type { Condition, OrderBy, Scalar } from "../core/query.js";

/** JQL field names (lower case) → the Jira issues columns they filter on. */
export const JQL_FIELDS: Readonly<Record<string, { column: string; kind: "text" | "user" | "datetime" | "date" | "number" }>> = {
  project: { column: "project_key", kind: "text" },
  key: { column: "key", kind: "text" },
  issuekey: { column: "key", kind: "text" },
  type: { column: "issue_type", kind: "text" },
  issuetype: { column: "issue_type", kind: "text" },
  status: { column: "status", kind: "text" },
  statuscategory: { column: "status_category", kind: "text" },
  priority: { column: "priority_name", kind: "text" },
  resolution: { column: "resolution", kind: "text" },
  summary: { column: "summary", kind: "text" },
  description: { column: "description", kind: "text" },
  labels: { column: "labels", kind: "text" },
  assignee: { column: "assignee_id", kind: "user" },
  reporter: { column: "reporter_id", kind: "user" },
  creator: { column: "creator_id", kind: "user" },
  created: { column: "created_date", kind: "datetime" },
  createddate: { column: "created_date", kind: "datetime" },
  updated: { column: "updated_date", kind: "datetime" },
  updateddate: { column: "updated_date", kind: "datetime" },
  resolved: { column: "resolution_date", kind: "datetime" },
  resolutiondate: { column: "resolution_date", kind: "datetime" },
  due: { column: "due_date", kind: "date" },
  duedate: { column: "due_date", kind: "date" },
  votes: { column: "votes", kind: "number" },
  watchers: { column: "watchers", kind: "number" },
};

export interface JqlContext {
  /** Epoch ms relative dates count from. */
  now: number;
  /** The Jira user id `currentUser()` stands for (the report's owner); undefined: refused. */
  currentUser?: string;
}

export interface JqlQuery {
  where: Condition[];
  orderBy: OrderBy[];
}

type Token = { kind: "word" | "string" | "op" | "punct"; text: string; at: number };

function fail(message: string, at: number | undefined, jql: string): never {
  const place = at === undefined ? "" : ` (at character ${at + 1}${at < jql.length ? `: ${JSON.stringify(jql.slice(at, at + 20))}` : ", the end"})`;
  throw new SluiceError("sluice.report.jql.invalid", `JQL: ${message}${place}.`, { details: at === undefined ? {} : { position: { offset: at } } });
}

function tokenize(jql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < jql.length) {
    const c = jql[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '"' || c === "'") {
      let j = i + 1;
      let text = "";
      while (j < jql.length && jql[j] !== c) {
        if (jql[j] === "\\" && j + 1 < jql.length) j++;
        text += jql[j];
        j++;
      }
      if (j >= jql.length) fail("a quoted value is not closed", i, jql);
      tokens.push({ kind: "string", text, at: i });
      i = j + 1;
      continue;
    }
    const op = /^(!=|<=|>=|!~|=|<|>|~)/.exec(jql.slice(i));
    if (op) {
      tokens.push({ kind: "op", text: op[1]!, at: i });
      i += op[1]!.length;
      continue;
    }
    if ("(),".includes(c)) {
      tokens.push({ kind: "punct", text: c, at: i });
      i++;
      continue;
    }
    const word = /^[^\s"'(),=!<>~]+/.exec(jql.slice(i));
    if (!word) fail(`unexpected ${JSON.stringify(c)}`, i, jql);
    tokens.push({ kind: "word", text: word[0], at: i });
    i += word[0].length;
  }
  return tokens;
}

const RELATIVE = /^([-+]?)(\d+)([mhdw])$/;
const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 } as const;

export function parseJql(jql: string, ctx: JqlContext): JqlQuery {
  if (jql.length > 10_000) fail("at most 10,000 characters", undefined, jql);
  const tokens = tokenize(jql);
  let pos = 0;
  const peek = () => tokens[pos];
  const at = () => peek()?.at ?? jql.length;
  const isWord = (t: Token | undefined, w: string) => t?.kind === "word" && t.text.toLowerCase() === w;

  const field = (): { name: string; column: string; kind: (typeof JQL_FIELDS)[string]["kind"] } => {
    const t = peek();
    if (!t || (t.kind !== "word" && t.kind !== "string")) fail("a field name was expected", at(), jql);
    const spec = JQL_FIELDS[t.text.toLowerCase().replace(/\s+/g, "")];
    if (!spec) fail(`the field ${JSON.stringify(t.text)} is not supported; use one of ${Object.keys(JQL_FIELDS).join(", ")}`, t.at, jql);
    pos++;
    return { name: t.text, ...spec };
  };

  const value = (kind: (typeof JQL_FIELDS)[string]["kind"]): Scalar => {
    const t = peek();
    if (!t || (t.kind !== "word" && t.kind !== "string")) fail("a value was expected", at(), jql);
    pos++;
    if (t.kind === "word" && peek()?.text === "(") {
      const name = t.text.toLowerCase();
      pos++;
      if (peek()?.text !== ")") fail(`${t.text}() takes no arguments here`, at(), jql);
      pos++;
      if (name === "currentuser") {
        if (kind !== "user") fail("currentUser() compares with assignee, reporter or creator only", t.at, jql);
        if (ctx.currentUser === undefined) fail("currentUser() needs a report owner who is a user of this site", t.at, jql);
        return ctx.currentUser;
      }
      if (name === "now") return new Date(ctx.now).toISOString().replace(/\.\d{3}Z$/, "Z");
      if (name === "startofday") return new Date(Math.floor(ctx.now / 86_400_000) * 86_400_000).toISOString().replace(/\.\d{3}Z$/, "Z");
      fail(`the function ${t.text}() is not supported (only currentUser(), now(), startOfDay())`, t.at, jql);
    }
    if (kind === "datetime" || kind === "date") {
      const rel = RELATIVE.exec(t.text);
      if (t.kind === "word" && rel) {
        const ms = ctx.now + (rel[1] === "-" ? -1 : 1) * Number(rel[2]) * UNIT_MS[rel[3] as keyof typeof UNIT_MS];
        const iso = new Date(ms).toISOString();
        return kind === "date" ? iso.slice(0, 10) : iso.replace(/\.\d{3}Z$/, "Z");
      }
      const m = /^(\d{4})[-/](\d{2})[-/](\d{2})(?:[ T](\d{2}):(\d{2}))?$/.exec(t.text);
      if (!m) fail(`${JSON.stringify(t.text)} is not a date: write 2024-01-31, "2024-01-31 10:00" or a relative time such as -7d`, t.at, jql);
      const iso = `${m[1]}-${m[2]}-${m[3]}`;
      if (Number.isNaN(Date.parse(`${iso}T00:00:00Z`)) || new Date(`${iso}T00:00:00Z`).toISOString().slice(0, 10) !== iso) fail(`${JSON.stringify(t.text)} is not a calendar date`, t.at, jql);
      return kind === "date" ? iso : `${iso}T${m[4] ?? "00"}:${m[5] ?? "00"}:00Z`;
    }
    if (kind === "number") {
      const n = Number(t.text);
      if (!Number.isFinite(n)) fail(`${JSON.stringify(t.text)} is not a number`, t.at, jql);
      return n;
    }
    return t.text;
  };

  const clause = (): Condition => {
    const f = field();
    const t = peek();
    if (!t) fail(`an operator was expected after ${f.name}`, at(), jql);
    if (isWord(t, "is")) {
      pos++;
      const negate = isWord(peek(), "not");
      if (negate) pos++;
      if (!isWord(peek(), "empty") && !isWord(peek(), "null")) fail("IS takes EMPTY or NULL", at(), jql);
      pos++;
      return { column: f.column, op: negate ? "is not null" : "is null" };
    }
    if (isWord(t, "in") || (isWord(t, "not") && isWord(tokens[pos + 1], "in"))) {
      const negate = isWord(t, "not");
      pos += negate ? 2 : 1;
      if (peek()?.text !== "(") fail("IN takes a list in parentheses", at(), jql);
      pos++;
      const values: Scalar[] = [];
      for (;;) {
        values.push(value(f.kind));
        const sep = peek();
        if (sep?.text === ",") pos++;
        else if (sep?.text === ")") {
          pos++;
          break;
        } else fail("a comma or ) was expected in the list", at(), jql);
      }
      return { column: f.column, op: negate ? "not in" : "in", values };
    }
    if (t.kind !== "op") {
      if (isWord(t, "was") || isWord(t, "changed")) fail(`the history operator ${t.text.toUpperCase()} is not supported`, t.at, jql);
      fail(`an operator (=, !=, <, <=, >, >=, ~, IN, IS) was expected after ${f.name}`, t.at, jql);
    }
    pos++;
    if (t.text === "~" || t.text === "!~") {
      if (f.kind !== "text") fail(`~ (contains) works on text fields, not ${f.name}`, t.at, jql);
      const v = String(value(f.kind)).replace(/[\\%_]/g, (x) => `\\${x}`);
      return { column: f.column, op: t.text === "~" ? "like" : "not like", value: `%${v}%` };
    }
    const v = value(f.kind);
    if (f.kind === "date" || f.kind === "datetime") {
      if (t.text === ">=") return { column: f.column, op: "range", from: v };
      if (t.text === "<") return { column: f.column, op: "range", before: v };
    }
    return { column: f.column, op: t.text as "=" | "!=" | "<" | "<=" | ">" | ">=", value: v };
  };

  const where: Condition[] = [];
  const orderBy: OrderBy[] = [];
  if (tokens.length > 0 && !isWord(peek(), "order")) {
    where.push(clause());
    while (pos < tokens.length && !isWord(peek(), "order")) {
      const t = peek()!;
      if (isWord(t, "or")) fail("OR is not supported: a report's filter joins its clauses with AND", t.at, jql);
      if (!isWord(t, "and")) fail(`AND or ORDER BY was expected, not ${JSON.stringify(t.text)}`, t.at, jql);
      pos++;
      if (isWord(peek(), "not")) fail("NOT is not supported: use != or NOT IN", at(), jql);
      where.push(clause());
    }
  }
  if (isWord(peek(), "order")) {
    pos++;
    if (!isWord(peek(), "by")) fail("ORDER must be followed by BY", at(), jql);
    pos++;
    for (;;) {
      const f = field();
      let desc = false;
      if (isWord(peek(), "desc") || isWord(peek(), "asc")) {
        desc = isWord(peek(), "desc");
        pos++;
      }
      orderBy.push({ column: f.column, ...(desc ? { desc: true } : {}) });
      if (peek()?.text === ",") pos++;
      else break;
    }
  }
  if (pos < tokens.length) fail(`nothing may follow here`, at(), jql);
  return { where, orderBy };
}
