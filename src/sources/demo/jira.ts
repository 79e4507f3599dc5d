/**
 * Demo Jira: users, projects with keys, boards and sprints, then issues with their attachments (see
 * jira-issues.ts, attachments.ts) and links between issues already written.
 */
import { DAY } from "./dates.js";
import {
  ISSUE_ID_BASE, LINK_TYPES, LINK_TYPE_WEIGHTS, projectSeed, PROJECTS_PERIOD, type Project, type Sprint,
} from "./jira-catalog.js";
import { writeAccess } from "./access.js";
import { DemoAttachments } from "./attachments.js";
import { writeIssues } from "./jira-issues.js";
import type { DemoContext } from "./options.js";
import { makePeople, type User } from "./people.js";
import type { Rng } from "./random.js";

async function writeUsers(ctx: DemoContext): Promise<User[]> {
  const rng = ctx.rng.fork("jira.users");
  const people = makePeople(rng, ctx.count("users", 40, 2));
  const sink = ctx.sink.entity("users");
  const users = people.map((p, i) => ({ ...p, id: `JIRAUSER${10_000 + i}` }));
  for (const u of users) {
    await sink.add({ user_id: u.id, user_name: u.username, user_fullname: u.fullname, user_email: u.email, active: u.active });
  }
  return users;
}

function makeProjects(ctx: DemoContext, rng: Rng): Project[] {
  const { time } = ctx;
  const projects: Project[] = [];
  const count = ctx.count("projects", 4);
  for (let i = 0; i < count; i++) {
    projects.push({
      ...projectSeed(i),
      created: time.between(rng, time.start, time.start + PROJECTS_PERIOD),
      sprints: [],
      counter: 0,
      epics: [],
      recent: [],
    });
  }
  return projects;
}

/** Two-week sprints per software project's board, ending with an active (overrun) one and a future one. */
async function writeSprints(ctx: DemoContext, rng: Rng, projects: readonly Project[]): Promise<void> {
  const { time, text } = ctx;
  const boards = projects.filter((p) => p.type === "software");
  const count = boards.length === 0 ? 0 : ctx.count("sprints", 8, 0);
  const perBoard = boards.map((_, b) => Math.floor(count / boards.length) + (b < count % boards.length ? 1 : 0));
  const plans = boards.map((project, b) => {
    const k = perBoard[b] as number;
    const future = k >= 3 ? 1 : 0;
    const activeAt = k - 1 - future;
    const activeStart = time.end - rng.between(14, 20) * DAY - rng.int(12 * 3600);
    const period = Math.min(14 * DAY, Math.floor((activeStart - project.created) / Math.max(1, activeAt)));
    return { project, k, future, activeAt, activeStart, period, board: b + 1 };
  });
  const sink = ctx.sink.entity("sprints");
  let id = 1;
  for (let position = 0; id <= count; position++) {
    for (const plan of plans) {
      if (position >= plan.k) continue;
      const state = position < plan.activeAt ? "closed" : position === plan.activeAt ? "active" : "future";
      const start = state === "future" ? null : plan.activeStart - (plan.activeAt - position) * plan.period;
      const end = start === null ? null : start + Math.min(14 * DAY, plan.period);
      const sprint: Sprint = { id, start, end, state };
      plan.project.sprints.push(sprint);
      await sink.add({
        sprint_id: id,
        board_id: plan.board,
        name: `${plan.project.key} Sprint ${position + 1}`,
        state,
        goal: rng.chance(0.6) ? text.sentence(rng) : null,
        start_date: start === null ? null : time.iso(start),
        end_date: end === null ? null : time.iso(end),
        complete_date: state === "closed" && end !== null ? time.iso(Math.min(time.end, end + rng.int(8 * 3600))) : null,
      });
      id++;
    }
  }
}

async function writeLinks(ctx: DemoContext, rng: Rng, projects: readonly Project[], projectOf: Uint32Array): Promise<void> {
  const count = projectOf.length < 2 ? 0 : Math.round(projectOf.length * 0.25);
  const sink = ctx.sink.entity("issue_links");
  for (let l = 0; l < count; l++) {
    const source = rng.int(projectOf.length);
    // Mostly within the project: a few tries at a same-project issue, else any other issue.
    let target = rng.int(projectOf.length);
    for (let tries = 0; tries < 5 && (target === source || projectOf[target] !== projectOf[source]); tries++) {
      target = rng.int(projectOf.length);
    }
    if (target === source) target = (source + 1) % projectOf.length;
    const type = rng.weighted(LINK_TYPES, LINK_TYPE_WEIGHTS);
    await sink.add({
      link_id: 10_000 + l,
      link_type: type.name,
      outward_description: type.outward,
      inward_description: type.inward,
      source_issue_id: ISSUE_ID_BASE + source,
      destination_issue_id: ISSUE_ID_BASE + target,
      scope_key: (projects[projectOf[source] as number] as Project).key,
    });
  }
}

export async function generateJira(ctx: DemoContext): Promise<void> {
  const users = await writeUsers(ctx);
  const projects = makeProjects(ctx, ctx.rng.fork("jira.projects"));
  await writeSprints(ctx, ctx.rng.fork("jira.sprints"), projects);
  const projectOf = await writeIssues(ctx, ctx.rng.fork("jira.issues"), users, projects, new DemoAttachments(ctx, "issue_id", users));
  await writeLinks(ctx, ctx.rng.fork("jira.links"), projects, projectOf);
  await writeAccess(ctx, users, projects.map((p) => ({ type: "PROJECT" as const, key: p.key, ...(RESTRICTED_PROJECTS[p.key] ? { team: RESTRICTED_PROJECTS[p.key] } : {}) })));
}

/** Projects only a team may browse. */
const RESTRICTED_PROJECTS: Readonly<Record<string, string>> = { HELP: "support", SEC: "security", LEGAL: "legal" };
