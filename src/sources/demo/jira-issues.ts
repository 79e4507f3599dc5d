/**
 * Demo Jira issues, each written together with its fields, changelog (status, assignee, priority,
 * resolution) and worklogs, so that nothing of an issue is kept once it is written. Issues are
 * created in id order; projects and people are Zipf-skewed.
 */
import { DAY, sortedInstants } from "./dates.js";
import {
  COMPONENTS, ISSUE_ID_BASE, ISSUE_TYPES, ISSUE_TYPE_WEIGHTS, LABELS, PRIORITIES, PRIORITY_WEIGHTS, PROJECTS_PERIOD,
  RESOLUTIONS, RESOLUTION_WEIGHTS, STORY_POINTS, TEAMS, VERSIONS, WORKFLOW,
  type IssueType, type Priority, type Project, type Status,
} from "./jira-catalog.js";
import type { DemoAttachments } from "./attachments.js";
import type { DemoContext } from "./options.js";
import type { User } from "./people.js";
import type { Rng } from "./random.js";
import { EDGE_CASE_TEXT } from "./text.js";
import { Zipf } from "./zipf.js";

/** Parents an issue may pick from: the last few epics and issues of its project. */
const RECENT_PARENTS = 64;

interface Change {
  field: "status" | "assignee" | "priority";
  from: { id: string | null; name: string | null };
  to: { id: string | null; name: string | null };
}

/** The statuses an issue went through to reach `target` (index into WORKFLOW). */
function path(rng: Rng, target: number): Status[] {
  const steps: Status[] = [];
  for (let s = 1; s <= target; s++) {
    if (s === 2 && target === 3 && rng.chance(0.4)) continue;
    steps.push(WORKFLOW[s] as Status);
  }
  return steps;
}

/** An issue's changelog in order: its status walk, with an assignee and a priority change slotted in sometimes. */
function planChanges(rng: Rng, target: number, priority: Priority, assignee: User | null, anyone: () => User): Change[] {
  const changes: Change[] = path(rng, target).map((to, n, all) => {
    const before = (n === 0 ? WORKFLOW[0] : all[n - 1]) as Status;
    return { field: "status", from: { id: before.id, name: before.name }, to: { id: to.id, name: to.name } };
  });
  if (rng.chance(0.4)) {
    const before = rng.chance(0.5) ? null : anyone();
    if (before?.id !== assignee?.id) {
      changes.splice(rng.int(changes.length + 1), 0, {
        field: "assignee",
        from: { id: before?.id ?? null, name: before?.fullname ?? null },
        to: { id: assignee?.id ?? null, name: assignee?.fullname ?? null },
      });
    }
  }
  if (rng.chance(0.15)) {
    const before: Priority = rng.pick(PRIORITIES);
    if (before.id !== priority.id) {
      changes.splice(rng.int(changes.length + 1), 0, {
        field: "priority",
        from: { id: before.id, name: before.name },
        to: { id: priority.id, name: priority.name },
      });
    }
  }
  return changes;
}

function sprintsOf(rng: Rng, project: Project, created: number, lastActive: number, done: boolean): number[] {
  const ids: number[] = [];
  for (const s of project.sprints) {
    if (s.start === null || s.end === null) {
      if (!done && rng.chance(0.2)) ids.push(s.id);
    } else if (s.start <= lastActive && s.end >= created) {
      ids.push(s.id);
    }
  }
  return ids.slice(-3);
}

function pickSome(rng: Rng, items: readonly string[], chance: number, max: number): string[] {
  if (!rng.chance(chance)) return [];
  const out = new Set<string>();
  for (let n = rng.between(1, max); n > 0; n--) out.add(rng.pick(items));
  return [...out];
}

/**
 * Writes the issues and what hangs off each (attachments from their own stream); returns the project
 * index of every issue (for links).
 */
export async function writeIssues(
  ctx: DemoContext,
  rng: Rng,
  users: readonly User[],
  projects: readonly Project[],
  attachments: DemoAttachments,
): Promise<Uint32Array> {
  const { time, text } = ctx;
  const count = ctx.count("issues", 600, 0);
  const authors = new Zipf(users.length, 1.1);
  const byProject = new Zipf(projects.length, 1.0);
  const projectOf = new Uint32Array(count);
  const issues = ctx.sink.entity("issues");
  const fields = ctx.sink.entity("issue_fields");
  const history = ctx.sink.entity("issue_history");
  const worklogs = ctx.sink.entity("worklogs");
  let changeId = 10_000;
  let worklogId = 10_000;
  const user = () => users[authors.sample(rng)] as User;
  for (let i = 0; i < count; i++) {
    const p = byProject.sample(rng);
    const project = projects[p] as Project;
    const id = ISSUE_ID_BASE + i;
    const key = `${project.key}-${++project.counter}`;
    let type: IssueType = rng.weighted(ISSUE_TYPES, ISSUE_TYPE_WEIGHTS);
    if (type === "Sub-task" && project.recent.length === 0) type = "Task";
    let parent: number | null = null;
    if (type === "Sub-task") parent = rng.pick(project.recent);
    else if (type !== "Epic" && project.epics.length > 0 && rng.chance(0.4)) parent = rng.pick(project.epics);
    const created = time.ordered(rng, i, count, time.start + PROJECTS_PERIOD);
    projectOf[i] = p;
    const remember = type === "Epic" ? project.epics : type === "Sub-task" ? null : project.recent;
    if (remember) {
      remember.push(id);
      if (remember.length > RECENT_PARENTS) remember.shift();
    }

    // Older issues are more likely finished.
    const age = (time.end - created) / (time.end - time.start);
    const target = rng.chance(0.25 + 0.7 * age) ? 3 : rng.weighted([0, 1, 2], [50, 35, 15]);
    const status = WORKFLOW[target] as Status;
    const done = status.category === "Done";
    const priority: Priority = rng.weighted(PRIORITIES, PRIORITY_WEIGHTS);
    const creator = user();
    const reporter = rng.chance(0.85) ? creator : user();
    const assignee = rng.chance(0.15) ? null : user();

    const changes = planChanges(rng, target, priority, assignee, user);
    const lastActive = done ? time.soonAfter(rng, created, 40 * DAY) : time.growing(rng, created);
    const times = sortedInstants(rng, changes.length, created, lastActive);
    const resolution = done ? rng.weighted(RESOLUTIONS, RESOLUTION_WEIGHTS) : null;
    let resolvedAt: number | null = null;
    for (let c = 0; c < changes.length; c++) {
      const change = changes[c] as Change;
      const at = times[c] as number;
      const base = { issue_id: id, change_id: changeId, author_id: user().id, created_date: time.iso(at), scope_key: project.key };
      await history.add({
        ...base,
        field: change.field,
        field_type: "jira",
        from_value: change.from.id,
        from_string: change.from.name,
        to_value: change.to.id,
        to_string: change.to.name,
      });
      if (change.field === "status" && change.to.name === "Done" && resolution) {
        resolvedAt = at;
        await history.add({ ...base, field: "resolution", field_type: "jira", to_value: resolution.id, to_string: resolution.name });
      }
      changeId++;
    }

    let spent = 0;
    const logs = target === 0 ? 0 : rng.int(4);
    for (let w = 0; w < logs; w++) {
      const started = time.between(rng, created, lastActive);
      const seconds = rng.between(1, 32) * 900;
      const loggedAt = Math.min(time.end, started + rng.int(4 * 3600));
      spent += seconds;
      await worklogs.add({
        worklog_id: worklogId++,
        issue_id: id,
        author_id: (assignee ?? user()).id,
        time_spent_seconds: seconds,
        started: time.iso(started),
        created_date: time.iso(loggedAt),
        updated_date: time.iso(rng.chance(0.2) ? time.soonAfter(rng, loggedAt, DAY) : loggedAt),
        comment: rng.chance(0.6) ? text.sentence(rng) : null,
        scope_key: project.key,
      });
    }

    const updated = Math.max(lastActive, times[times.length - 1] ?? created);
    const labels = pickSome(rng, LABELS, 0.5, 3);
    const sprints = type === "Epic" ? [] : sprintsOf(rng, project, created, updated, done);
    const points = type === "Story" && rng.chance(0.8) ? rng.pick(STORY_POINTS) : null;
    const estimate = rng.chance(0.6) ? rng.between(1, 40) * 3600 : null;
    const description = rng.chance(0.85) ? text.body(rng, ctx.contentBytes) : null;
    await issues.add({
      id,
      url: `/browse/${key}`,
      key,
      project_key: project.key,
      project_name: project.name,
      project_type: project.type,
      project_category: project.category,
      issue_type: type,
      summary: text.title(rng),
      description: i === 0 ? EDGE_CASE_TEXT + (description ?? "") : description,
      creator_id: creator.id,
      creator_name: creator.fullname,
      reporter_id: reporter.id,
      reporter_name: reporter.fullname,
      assignee_id: assignee?.id ?? null,
      assignee_name: assignee?.fullname ?? null,
      status: status.name,
      status_category: status.category,
      priority_sequence: priority.sequence,
      priority_name: priority.name,
      resolution: resolution?.name ?? null,
      watchers: 1 + Math.floor(-Math.log(1 - rng.float()) * 2),
      votes: rng.chance(0.8) ? 0 : rng.between(1, 12),
      created_date: time.iso(created),
      resolution_date: resolvedAt === null ? null : time.iso(resolvedAt),
      updated_date: time.iso(updated),
      due_date: rng.chance(0.25) ? time.day(time.soonAfter(rng, created, 30 * DAY)) : null,
      original_estimate: estimate,
      remaining_estimate: estimate === null ? null : Math.max(0, estimate - spent),
      time_spent: spent > 0 ? spent : null,
      environment: rng.chance(0.15) ? text.paragraph(rng) : null,
      parent_id: parent,
      labels,
      components: project.type === "software" ? pickSome(rng, COMPONENTS, 0.4, 2) : [],
      affected_versions: type === "Bug" ? pickSome(rng, VERSIONS, 0.5, 2) : [],
      fix_versions: done ? pickSome(rng, VERSIONS, 0.5, 1) : [],
      sprint_ids: sprints,
      story_points: points,
      security_level: rng.chance(0.05) ? rng.pick(["Internal", "Confidential"]) : null,
      scope_key: project.key,
    });

    const field = (field_id: string, field_name: string, field_type: "system" | "custom", value: string) =>
      fields.add({ issue_id: id, field_id, field_name, field_type, value, scope_key: project.key });
    await field("priority", "Priority", "system", priority.name);
    if (labels.length > 0) await field("labels", "Labels", "system", JSON.stringify(labels));
    if (points !== null) await field("customfield_10010", "Story Points", "custom", String(points));
    if (rng.chance(0.6)) await field("customfield_10020", "Team", "custom", rng.pick(TEAMS));
    if (sprints.length > 0) await field("customfield_10021", "Sprint", "custom", JSON.stringify(sprints));
    if (rng.chance(0.15)) await field("customfield_10030", "Customer notes", "custom", text.paragraph(rng));
    await attachments.attach({ id, scopeKey: project.key, created });
  }
  return projectOf;
}
