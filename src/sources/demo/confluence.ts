/**
 * Demo Confluence: users, global and personal spaces (a few archived), then pages and blog posts
 * (confluence-pages.ts), their attachments (attachments.ts), comments and analytics events
 * (confluence-activity.ts). Authors, spaces and pages are Zipf-skewed.
 */
import { writeAccess } from "./access.js";
import { DemoAttachments } from "./attachments.js";
import { writeComments, writeEvents } from "./confluence-activity.js";
import { GLOBAL_SPACES, PAGE_ID_BASE, SPACE_ID_BASE, SPACES_PERIOD, type Space } from "./confluence-catalog.js";
import { writePages } from "./confluence-pages.js";
import { DAY } from "./dates.js";
import type { DemoContext } from "./options.js";
import { makePeople, type User } from "./people.js";
import { Zipf } from "./zipf.js";

/** Spaces only a team may browse. */
const RESTRICTED_SPACES: Readonly<Record<string, string>> = { HR: "hr", FIN: "finance", LEGAL: "legal" };

async function writeUsers(ctx: DemoContext): Promise<User[]> {
  const rng = ctx.rng.fork("confluence.users");
  const people = makePeople(rng, ctx.count("users", 40, 2));
  const sink = ctx.sink.entity("users");
  const users: User[] = [];
  for (const p of people) {
    const user = { ...p, id: `8a7f8081${rng.hex(24)}` };
    users.push(user);
    await sink.add({ user_id: user.id, user_name: user.username, user_fullname: user.fullname, user_email: user.email });
  }
  return users;
}

async function writeSpaces(ctx: DemoContext, users: readonly User[], authors: Zipf): Promise<Space[]> {
  const rng = ctx.rng.fork("confluence.spaces");
  const { time } = ctx;
  const total = ctx.count("spaces", 6, 1);
  const personal = Math.min(users.length, Math.floor(total / 3));
  const global = total - personal;
  const sink = ctx.sink.entity("spaces");
  const spaces: Space[] = [];
  for (let i = 0; i < total; i++) {
    const isPersonal = i >= global;
    const owner = users[isPersonal ? i - global : authors.sample(rng)] as User;
    const [key, name] = isPersonal
      ? [`~${owner.username}`, owner.fullname]
      : (GLOBAL_SPACES[i] ?? [`SP${i}`, `${ctx.text.title(rng)} ${i}`]);
    const archived = isPersonal ? i === total - 1 && personal > 1 : i % 4 === 3;
    const created = time.between(rng, time.start, time.start + SPACES_PERIOD);
    const updated = time.soonAfter(rng, created, 200 * DAY);
    const space: Space = { key, id: SPACE_ID_BASE + i, created, owner, personal: isPersonal };
    spaces.push(space);
    // A space's home page is page i (see writePages), created with the space.
    const homepage = `/pages/viewpage.action?pageId=${PAGE_ID_BASE + i}`;
    await sink.add({
      space_key: key,
      space_url: `/display/${key}`,
      homepage_url: homepage,
      space_name: name,
      space_type: isPersonal ? "personal" : "global",
      space_status: archived ? "ARCHIVED" : "CURRENT",
      creator_id: owner.id,
      last_modifier_id: rng.chance(0.7) ? owner.id : (users[authors.sample(rng)] as User).id,
      created_date: time.iso(created),
      updated_date: time.iso(updated),
      scope_key: key,
    });
  }
  return spaces;
}

export async function generateConfluence(ctx: DemoContext): Promise<void> {
  const users = await writeUsers(ctx);
  const authors = new Zipf(users.length, 1.1);
  const spaces = await writeSpaces(ctx, users, authors);
  const pages = await writePages(ctx, users, authors, spaces);
  const attachments = new DemoAttachments(ctx, "page_id", users);
  for (let p = 0; p < pages.count; p++) {
    await attachments.attach({ id: PAGE_ID_BASE + p, scopeKey: (spaces[pages.space[p] as number] as Space).key, created: ctx.time.start + (pages.created[p] as number) });
  }
  await writeComments(ctx, users, authors, spaces, pages);
  await writeEvents(ctx, users, spaces, pages);
  await writeAccess(
    ctx,
    users,
    spaces.map((s) => ({ type: "SPACE" as const, key: s.key, ...(s.personal ? { owner: s.owner } : RESTRICTED_SPACES[s.key] ? { team: RESTRICTED_SPACES[s.key] } : {}) })),
  );
}
