/**
 * Demo Bitbucket: users, normal and personal projects, repositories (personal forks share their
 * origin's hierarchy id), then commits with build statuses (bitbucket-commits.ts) and pull requests
 * with their activities (bitbucket-pull-requests.ts).
 */
import {
  PROJECTS, REPOSITORIES_PERIOD, REPOSITORY_NAMES, SANDBOX_NAMES, slugOf, type Project, type Repository,
} from "./bitbucket-catalog.js";
import { writeAccess } from "./access.js";
import { writeCommits } from "./bitbucket-commits.js";
import { writePullRequests } from "./bitbucket-pull-requests.js";
import { DAY } from "./dates.js";
import type { DemoContext } from "./options.js";
import { makePeople, type User } from "./people.js";
import type { Rng } from "./random.js";
import { Zipf } from "./zipf.js";

async function writeUsers(ctx: DemoContext): Promise<User[]> {
  const rng = ctx.rng.fork("bitbucket.users");
  const people = makePeople(rng, ctx.count("users", 30, 2));
  const users = people.map((p, i) => ({ ...p, id: String(101 + i) }));
  const sink = ctx.sink.entity("users");
  for (const u of users) {
    await sink.add({ user_id: u.id, user_name: u.username, user_fullname: u.fullname, user_email: u.email });
  }
  return users;
}

function makeProjects(ctx: DemoContext, users: readonly User[]): { normal: Project[]; personal: Project[] } {
  const normal: Project[] = [];
  const personal: Project[] = [];
  const normalCount = ctx.count("projects", 3);
  for (let i = 0; i < normalCount; i++) {
    const [key, name] = PROJECTS[i] ?? [`PRJ${i}`, `Project ${i}`];
    normal.push({ id: i + 1, key, name, type: "NORMAL", path: `/projects/${key}` });
  }
  const personalCount = Math.min(users.length, ctx.count("personal_projects", 2, 0));
  for (let i = 0; i < personalCount; i++) {
    const owner = users[i] as User;
    personal.push({
      id: normalCount + i + 1,
      key: `~${owner.username.toUpperCase()}`,
      name: owner.fullname,
      type: "PERSONAL",
      path: `/users/${owner.username}`,
    });
  }
  return { normal, personal };
}

async function writeRepositories(ctx: DemoContext, rng: Rng, users: readonly User[]): Promise<Repository[]> {
  const { time, text } = ctx;
  const { normal, personal } = makeProjects(ctx, users);
  const count = ctx.count("repositories", 10);
  const personalRepos = personal.length === 0 ? 0 : Math.min(count - 1, Math.max(1, Math.round(count * 0.3)));
  const byProject = new Zipf(normal.length, 1.0);
  const popular = new Zipf(count - personalRepos, 1.0);
  const repos: Repository[] = [];
  const names: string[] = [];
  const hierarchies: string[] = [];
  const slugs = new Set<string>();
  const sink = ctx.sink.entity("repositories");
  for (let i = 0; i < count; i++) {
    const isPersonal = i >= count - personalRepos;
    const project = isPersonal ? (personal[i % personal.length] as Project) : (normal[byProject.sample(rng)] as Project);
    const origin = isPersonal && i % 3 !== 2 ? popular.sample(rng) : -1;
    const originRepo = origin >= 0 ? (repos[origin] as Repository) : undefined;
    let name: string;
    if (originRepo) name = names[origin] as string;
    else if (isPersonal) name = rng.pick(SANDBOX_NAMES);
    else name = REPOSITORY_NAMES[i] ?? `repository-${i}`;
    names.push(name);
    let slug = slugOf(name);
    if (slugs.has(`${project.key}/${slug}`)) slug = `${slug}-${i}`;
    slugs.add(`${project.key}/${slug}`);
    const id = i + 1;
    const created = originRepo ? time.soonAfter(rng, originRepo.created, 90 * DAY) : time.between(rng, time.start, time.start + REPOSITORIES_PERIOD);
    const repo: Repository = { id, url: `${project.path}/repos/${slug}`, created, forks: [], recentCommits: [], scoped: 0 };
    originRepo?.forks.push(repo);
    repos.push(repo);
    const hierarchy = origin >= 0 ? (hierarchies[origin] as string) : rng.hex(20);
    hierarchies.push(hierarchy);
    await sink.add({
      repository_id: id,
      url: repo.url,
      repository_name: name,
      description: rng.chance(0.7) ? text.sentence(rng) : null,
      hierarchy_id: hierarchy,
      origin: originRepo ? originRepo.id : null,
      project_id: project.id,
      project_key: project.key,
      project_name: project.name,
      project_type: project.type,
      forkable: rng.chance(0.9),
      fork: originRepo !== undefined,
      public: rng.chance(0.2),
      slug,
      scope_key: String(id),
    });
  }
  return repos;
}

export async function generateBitbucket(ctx: DemoContext): Promise<void> {
  const users = await writeUsers(ctx);
  const authors = new Zipf(users.length, 1.1);
  const repos = await writeRepositories(ctx, ctx.rng.fork("bitbucket.repositories"), users);
  await writeCommits(ctx, ctx.rng.fork("bitbucket.commits"), users, authors, repos);
  await writePullRequests(ctx, ctx.rng.fork("bitbucket.pull_requests"), users, authors, repos);
  const { normal, personal } = makeProjects(ctx, users);
  await writeAccess(ctx, users, [
    ...normal.map((p) => ({ type: "PROJECT" as const, key: p.key, ...(RESTRICTED_PROJECTS[p.key] ? { team: RESTRICTED_PROJECTS[p.key] } : {}) })),
    ...personal.map((p, i) => ({ type: "PROJECT" as const, key: p.key, owner: users[i]! })),
  ]);
}

/** Projects only a team may browse (public repositories in them are still seen by everyone). */
const RESTRICTED_PROJECTS: Readonly<Record<string, string>> = { INFRA: "ops", MOBILE: "engineering", TOOLS: "engineering" };
