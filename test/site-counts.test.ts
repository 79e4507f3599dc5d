/**
 * A site's row counts for the console are counted once per period, whoever asks: kept for 10 s, given
 * at once while a fresh count runs after that, counted again at once when forgotten (a sync ended here).
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { entity, storedColumns } from "../src/core/entities/registry.js";
import { SiteCounts } from "../src/sites/site-counts.js";
import type { Site } from "../src/store/port.js";
import { startTestApp, type TestApp } from "./support/app.js";

describe("site counts", () => {
  let t: TestApp;
  let wiki: Site;
  const users = entity("confluence", "users");
  const addUser = (id: string) =>
    t.ctx.store.data.upsert(wiki.id, users, [storedColumns(users).map((c) => ({ user_id: id, user_name: id, user_fullname: id, user_email: `${id}@example.com` })[c.name] ?? null)]);

  before(async () => {
    t = await startTestApp();
    wiki = (await t.ctx.store.sites.byKey("wiki"))!;
  });
  after(async () => t?.close());

  it("counts once per period however many ask; an older answer is given while a fresh one is counted", async () => {
    let now = 1_000_000;
    let counted = 0;
    const store = { ...t.ctx.store, data: { ...t.ctx.store.data, count: async (...args: Parameters<typeof t.ctx.store.data.count>) => (counted++, t.ctx.store.data.count(...args)) } };
    const counts = new SiteCounts(store, 10_000, () => now);
    const perCount = (await counts.of(wiki), counted);
    const first = await Promise.all([counts.of(wiki), counts.of(wiki), counts.of(wiki)]);
    assert.equal(counted, perCount, "one count of the site for every caller");
    assert.ok(first.every((c) => c.users === first[0].users));
    const before_ = first[0].users!;

    await addUser("counted-later");
    now += 5_000;
    assert.equal((await counts.of(wiki)).users, before_, "within the period: kept");
    now += 6_000;
    assert.equal((await counts.of(wiki)).users, before_, "past it: the kept answer at once, a fresh count started");
    await new Promise((r) => setTimeout(r, 50));
    assert.equal((await counts.of(wiki)).users, before_ + 1, "then the fresh one");

    await addUser("forgotten");
    counts.forget(wiki.id);
    assert.equal((await counts.of(wiki)).users, before_ + 2, "forgotten: counted again at once");
  });

  it("the admin API lists each site with its counts", async () => {
    const res = await t.app.inject({ method: "GET", url: "/rest/admin/v1/sites", headers: t.auth });
    const wikiCounts = res.json<{ sites: { key: string; counts: Record<string, number> }[] }>().sites.find((s) => s.key === "wiki")!.counts;
    assert.equal(wikiCounts.users, await t.ctx.store.data.count(wiki.id, users));
  });
});
