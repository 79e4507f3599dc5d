/**
 * Demo Bitbucket pull requests (`<to_repository_id>-<scoped_id>`, some from forks) and their
 * activity stream: OPENED, COMMENTED, UPDATED, REVIEWED, APPROVED, then MERGED or DECLINED.
 */
import {
  BRANCH_KINDS, REPOSITORIES_PERIOD, TARGET_BRANCHES, TARGET_BRANCH_WEIGHTS, TICKETS, type Repository,
} from "./bitbucket-catalog.js";
import { DAY, sortedInstants } from "./dates.js";
import type { DemoContext } from "./options.js";
import type { User } from "./people.js";
import type { Rng } from "./random.js";
import { EDGE_CASE_TEXT } from "./text.js";
import { Zipf } from "./zipf.js";

interface Activity {
  readonly action: string;
  readonly author: User;
  readonly info: Record<string, unknown> | null;
}

export async function writePullRequests(ctx: DemoContext, rng: Rng, users: readonly User[], authors: Zipf, repos: readonly Repository[]): Promise<void> {
  const { time, text } = ctx;
  const count = ctx.count("pull_requests", 150, 0);
  const byRepo = new Zipf(repos.length, 1.0);
  const prs = ctx.sink.entity("pull_requests");
  const activities = ctx.sink.entity("pull_request_activities");
  let activityId = 1;
  let commentId = 1;
  for (let n = 0; n < count; n++) {
    const to = repos[byRepo.sample(rng)] as Repository;
    const from = to.forks.length > 0 && rng.chance(0.25) ? rng.pick(to.forks) : to;
    const scoped = ++to.scoped;
    const id = `${to.id}-${scoped}`;
    const author = users[authors.sample(rng)] as User;
    const reviewers = [...new Set(Array.from({ length: rng.int(4) }, () => users[rng.int(users.length)] as User))].filter(
      (u) => u !== author,
    );
    const created = Math.max(time.ordered(rng, n, count, time.start + REPOSITORIES_PERIOD), to.created, from.created);
    const recent = created > time.end - 14 * DAY;
    const state = rng.chance(recent ? 0.6 : 0.08) ? "OPEN" : rng.chance(0.82) ? "MERGED" : "DECLINED";
    const closedAt = state === "OPEN" ? null : time.soonAfter(rng, created, 5 * DAY);

    const middle: Activity[] = [];
    for (let c = rng.int(5); c > 0; c--) {
      middle.push({ action: "COMMENTED", author: users[authors.sample(rng)] as User, info: { comment_id: commentId++, text: text.sentence(rng) } });
    }
    if (rng.chance(0.4)) {
      middle.push({ action: "UPDATED", author, info: { from_hash: rng.hex(40), to_hash: rng.hex(40), added: rng.between(1, 5) } });
    }
    for (const r of reviewers) {
      if (rng.chance(0.15)) middle.push({ action: "REVIEWED", author: r, info: { status: "NEEDS_WORK" } });
      if (state === "MERGED" || rng.chance(0.5)) middle.push({ action: "APPROVED", author: r, info: null });
    }
    const lastAt = closedAt ?? time.growing(rng, created);
    const times = sortedInstants(rng, middle.length, created, lastAt);
    const stream: { at: number; activity: Activity }[] = [{ at: created, activity: { action: "OPENED", author, info: null } }];
    middle.forEach((activity, i) => stream.push({ at: times[i] as number, activity }));
    if (closedAt !== null) {
      const closer = reviewers.length > 0 && rng.chance(0.6) ? rng.pick(reviewers) : author;
      const info =
        state === "MERGED"
          ? { merge_commit: to.recentCommits.length > 0 ? rng.pick(to.recentCommits) : rng.hex(40), strategy: "merge-commit" }
          : { reason: rng.chance(0.5) ? text.sentence(rng) : null };
      stream.push({ at: closedAt, activity: { action: state, author: closer, info } });
    }
    for (const { at, activity } of stream) {
      await activities.add({
        activity_id: activityId++,
        pull_request_id: id,
        author_id: activity.author.id,
        created_date: time.iso(at),
        action: activity.action,
        additional_information: activity.info,
        scope_key: String(to.id),
      });
    }
    const kind = rng.pick(BRANCH_KINDS);
    await prs.add({
      pull_request_id: id,
      url: `${to.url}/pull-requests/${scoped}`,
      scoped_id: scoped,
      from_repository_id: from.id,
      to_repository_id: to.id,
      from_branch: `${kind}/${rng.pick(TICKETS)}-${rng.between(1, 999)}-${rng.pick(["fix", "cleanup", "new-api", "ui"])}`,
      to_branch: rng.weighted(TARGET_BRANCHES, TARGET_BRANCH_WEIGHTS),
      title: text.title(rng),
      description: rng.chance(0.7) ? (n === 0 ? EDGE_CASE_TEXT : "") + text.body(rng, ctx.contentBytes) : null,
      state,
      author_id: author.id,
      reviewer_ids: reviewers.map((r) => r.id),
      created_date: time.iso(created),
      updated_date: time.iso(Math.max(...stream.map((s) => s.at))),
      closed_date: closedAt === null ? null : time.iso(closedAt),
      scope_key: String(to.id),
    });
  }
}
