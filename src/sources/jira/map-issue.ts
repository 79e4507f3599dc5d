/**
 * One Jira issue (Cloud v3 or DC v2 JSON) → records of `issues`, `issue_fields` (custom fields),
 * `issue_history` (one row per changed field) and `issue_links`. Column names are the registry's.
 */
import type { SyncRecord } from "../connector/connector.js";
import { isAdf } from "./adf.js";
import type { JiraField, JiraHistory, JiraIssue, JiraIssueLink, JiraUser } from "./api-types.js";
import type { JiraVariant } from "./variant.js";

export interface FieldCatalog {
  byId: Map<string, JiraField>;
  sprintField?: string;
  storyPointsField?: string;
  /** Priority id → 1-based position in the instance's priority order. */
  prioritySequence: Map<string, number>;
}

const STORY_POINT_NAMES = new Set(["story points", "story point estimate"]);
const SPRINT_SCHEMA = "com.pyxis.greenhopper.jira:gh-sprint";

export function fieldCatalog(fields: readonly JiraField[], priorities: readonly { id: string }[]): FieldCatalog {
  const byId = new Map(fields.map((f) => [f.id, f]));
  const sprint = fields.find((f) => f.schema?.custom === SPRINT_SCHEMA) ?? fields.find((f) => f.custom && f.name === "Sprint");
  const points =
    fields.find((f) => f.custom && f.schema?.custom === "com.atlassian.jira.plugin.system.customfieldtypes:jsw-story-points") ??
    fields.find((f) => f.custom && STORY_POINT_NAMES.has(f.name.toLowerCase()));
  return {
    byId,
    sprintField: sprint?.id,
    storyPointsField: points?.id,
    prioritySequence: new Map(priorities.map((p, i) => [p.id, i + 1])),
  };
}

type Obj = Record<string, unknown> | null | undefined;

const obj = (v: unknown): Obj => (v && typeof v === "object" ? (v as Record<string, unknown>) : undefined);
const names = (v: unknown): string[] =>
  Array.isArray(v) ? v.map((x) => (typeof x === "string" ? x : String(obj(x)?.name ?? obj(x)?.value ?? ""))) : [];

/** Sprint ids from Cloud sprint objects or DC's `com.atlassian.greenhopper.service.sprint.Sprint@…[id=12,…]`. */
export function sprintIds(value: unknown): number[] {
  if (!Array.isArray(value)) return [];
  const ids: number[] = [];
  for (const s of value) {
    if (typeof s === "string") {
      const m = /[[,]id=(\d+)/.exec(s);
      if (m) ids.push(Number(m[1]));
    } else if (obj(s)?.id !== undefined) ids.push(Number(obj(s)!.id));
  }
  return ids;
}

/** A custom field value as text: scalars as is, options by their value, lists as JSON. */
export function fieldValue(value: unknown, variant: JiraVariant): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") return String(value);
  if (isAdf(value)) return variant.text(value);
  if (Array.isArray(value)) {
    if (value.length === 0) return null;
    return JSON.stringify(value.map((v) => (typeof v === "object" && v !== null ? scalarOf(v as Record<string, unknown>, variant) : v)));
  }
  return scalarOf(value as Record<string, unknown>, variant);
}

function scalarOf(v: Record<string, unknown>, variant: JiraVariant): string {
  if (typeof v.value === "string") {
    const child = obj(v.child);
    return typeof child?.value === "string" ? `${v.value} - ${child.value}` : v.value;
  }
  if (v.accountId !== undefined || v.key !== undefined && v.displayName !== undefined) return variant.userId(v) ?? "";
  for (const k of ["name", "displayName", "key", "id"]) if (typeof v[k] === "string" || typeof v[k] === "number") return String(v[k]);
  return JSON.stringify(v);
}

export interface IssueRecords {
  issue: SyncRecord;
  fields: SyncRecord[];
  history: SyncRecord[];
  links: SyncRecord[];
}

export function mapIssue(issue: JiraIssue, histories: readonly JiraHistory[], catalog: FieldCatalog, variant: JiraVariant, baseUrl: string): IssueRecords {
  const f = issue.fields;
  const project = obj(f.project);
  const projectKey = (project?.key as string | undefined) ?? issue.key.replace(/-\d+$/, "");
  const status = obj(f.status);
  const priority = obj(f.priority);
  const creator = obj(f.creator) as JiraUser | undefined;
  const reporter = obj(f.reporter) as JiraUser | undefined;
  const assignee = obj(f.assignee) as JiraUser | undefined;
  const record: SyncRecord = {
    id: issue.id,
    url: `${baseUrl}/browse/${issue.key}`,
    key: issue.key,
    project_key: projectKey,
    project_name: project?.name,
    project_type: project?.projectTypeKey,
    project_category: obj(project?.projectCategory)?.name,
    issue_type: obj(f.issuetype)?.name,
    summary: f.summary,
    description: variant.text(f.description),
    creator_id: variant.userId(creator),
    creator_name: variant.userName(creator),
    reporter_id: variant.userId(reporter),
    reporter_name: variant.userName(reporter),
    assignee_id: variant.userId(assignee),
    assignee_name: variant.userName(assignee),
    status: status?.name,
    status_category: obj(status?.statusCategory)?.name,
    priority_sequence: priority?.id !== undefined ? catalog.prioritySequence.get(String(priority.id)) : undefined,
    priority_name: priority?.name,
    resolution: obj(f.resolution)?.name,
    watchers: obj(f.watches)?.watchCount,
    votes: obj(f.votes)?.votes,
    created_date: f.created,
    resolution_date: f.resolutiondate,
    updated_date: f.updated,
    due_date: f.duedate,
    original_estimate: f.timeoriginalestimate,
    remaining_estimate: f.timeestimate,
    time_spent: f.timespent,
    environment: variant.text(f.environment),
    parent_id: obj(f.parent)?.id,
    labels: Array.isArray(f.labels) ? f.labels : [],
    components: names(f.components),
    affected_versions: names(f.versions),
    fix_versions: names(f.fixVersions),
    sprint_ids: catalog.sprintField ? sprintIds(f[catalog.sprintField]) : [],
    story_points: catalog.storyPointsField ? f[catalog.storyPointsField] : undefined,
    security_level: obj(f.security)?.name,
    scope_key: projectKey,
  };

  const fields: SyncRecord[] = [];
  for (const [fieldId, value] of Object.entries(f)) {
    if (!fieldId.startsWith("customfield_")) continue;
    const text = fieldValue(value, variant);
    if (text === null) continue;
    fields.push({
      issue_id: issue.id,
      field_id: fieldId,
      field_name: catalog.byId.get(fieldId)?.name ?? fieldId,
      field_type: "custom",
      value: text,
      scope_key: projectKey,
    });
  }

  const history: SyncRecord[] = [];
  for (const h of histories) {
    for (const item of h.items) {
      history.push({
        issue_id: issue.id,
        change_id: h.id,
        author_id: variant.userId(h.author),
        created_date: h.created,
        field: item.field,
        field_type: item.fieldtype,
        from_value: item.from,
        from_string: item.fromString,
        to_value: item.to,
        to_string: Object.hasOwn(item, "toString") ? item.toString : null,
        scope_key: projectKey,
      });
    }
  }

  const links: SyncRecord[] = [];
  for (const link of (Array.isArray(f.issuelinks) ? f.issuelinks : []) as JiraIssueLink[]) {
    const outward = link.outwardIssue !== undefined;
    links.push({
      link_id: link.id,
      link_type: link.type.name,
      outward_description: link.type.outward,
      inward_description: link.type.inward,
      source_issue_id: outward ? issue.id : link.inwardIssue?.id,
      destination_issue_id: outward ? link.outwardIssue!.id : issue.id,
      scope_key: projectKey,
    });
  }
  return { issue: record, fields, history, links };
}
