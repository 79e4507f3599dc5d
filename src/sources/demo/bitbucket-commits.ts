/**
 * Demo Bitbucket commits (40-hex hashes, Zipf-skewed repositories and authors) and the build
 * statuses of some of them, written right after their commit so that every build refers to a commit
 * that exists. Only a few recent hashes per repository are kept (for merge commits).
 */
import { BRANCH_KINDS, BUILD_PLANS, RECENT_COMMITS, TICKETS, type Repository } from "./bitbucket-catalog.js";
import { DAY } from "./dates.js";
import type { DemoContext } from "./options.js";
import type { User } from "./people.js";
import type { Rng } from "./random.js";
import { EDGE_CASE_TEXT } from "./text.js";
import { Zipf } from "./zipf.js";

async function writeBuilds(ctx: DemoContext, rng: Rng, repo: Repository, hash: string, committed: number, numbers: Map<string, number>): Promise<void> {
  const { time, text } = ctx;
  const sink = ctx.sink.entity("build_statuses");
  const plans = BUILD_PLANS.slice(0, rng.weighted([1, 2, 3, 4], [50, 25, 15, 10]));
  const ref = rng.chance(0.8) ? "refs/heads/main" : `refs/heads/${rng.pick(BRANCH_KINDS)}/${rng.pick(TICKETS)}-${rng.between(1, 999)}`;
  let created = committed;
  for (const plan of plans) {
    const number = (numbers.get(plan.key) ?? 0) + 1;
    numbers.set(plan.key, number);
    created = time.soonAfter(rng, created, 600);
    const running = rng.chance(0.03);
    const duration = running ? null : rng.between(20, 1800) * 1000 + rng.int(1000);
    const updated = duration === null ? created : Math.min(time.end, created + Math.ceil(duration / 1000));
    await sink.add({
      commit_hash: hash,
      repository_id: repo.id,
      build_key: plan.key,
      build_url: `https://ci.example.com/browse/${plan.key}-${number}`,
      build_name: plan.name,
      build_number: String(number),
      build_description: rng.chance(0.5) ? text.sentence(rng) : null,
      build_duration: duration,
      build_created_date: time.iso(created),
      build_updated_date: time.iso(updated),
      build_state: running ? "INPROGRESS" : rng.chance(0.15) ? "FAILED" : "SUCCESSFUL",
      parent_build_key: plan.parent,
      ref,
      scope_key: String(repo.id),
    });
  }
}

export async function writeCommits(ctx: DemoContext, rng: Rng, users: readonly User[], authors: Zipf, repos: readonly Repository[]): Promise<void> {
  const { time, text } = ctx;
  const count = ctx.count("commits", 3000, 0);
  const byRepo = new Zipf(repos.length, 1.0);
  const buildNumbers = new Map<string, number>();
  const sink = ctx.sink.entity("commits");
  for (let c = 0; c < count; c++) {
    const repo = repos[byRepo.sample(rng)] as Repository;
    const hash = rng.hex(40);
    const author = users[authors.sample(rng)] as User;
    const committer = rng.chance(0.85) ? author : (users[authors.sample(rng)] as User);
    const authored = time.growing(rng, repo.created);
    const committed = rng.chance(0.7) ? authored : time.soonAfter(rng, authored, 3 * DAY);
    let message = text.sentence(rng);
    if (rng.chance(0.4)) message += `\n\n${text.paragraph(rng)}`;
    if (rng.chance(0.3)) message += "\n";
    if (c === 0) message += `\n\n${EDGE_CASE_TEXT}`;
    repo.recentCommits.push(hash);
    if (repo.recentCommits.length > RECENT_COMMITS) repo.recentCommits.shift();
    await sink.add({
      commit_hash: hash,
      url: `${repo.url}/commits/${hash}`,
      message,
      repository_id: repo.id,
      author_email: author.email,
      author_timestamp: time.iso(authored),
      committer_email: committer.email,
      committer_timestamp: time.iso(committed),
      scope_key: String(repo.id),
    });
    if (rng.chance(0.35)) await writeBuilds(ctx, rng, repo, hash, committed, buildNumbers);
  }
}
