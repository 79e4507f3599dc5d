/**
 * The demo data generator against a real SQLite store: determinism, counts, referential sanity,
 * date order, CSV-hostile text and Zipf skew, at scale 1 for each product.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { entitiesOf, entity, storedColumns, type EntityDef, type Product } from "../src/core/entities/registry.js";
import { generateDemo, toRow, type DemoOptions } from "../src/sources/demo/index.js";
import { openSqliteStore } from "../src/store/sqlite/index.js";
import type { Site, Store } from "../src/store/port.js";

const NOW = Date.UTC(2026, 0, 15, 10, 30, 0);
const NOW_ISO = "2026-01-15T10:30:00Z";
const WINDOW_START_ISO = "2024-01-01T00:00:00Z";
const PRODUCTS: readonly Product[] = ["confluence", "jira", "bitbucket"];

type Rows = Map<string, unknown[][]>;

interface Generated {
  site: Site;
  counts: Record<string, number>;
  rows: Rows;
  progress: Map<string, number[]>;
}

let dir: string;
let store: Store;
/** Per product: `a` (in a worker thread) and `b` (in this thread) with the same seed, `c` with another. */
const sites = new Map<Product, { a: Generated; b: Generated; c: Generated }>();

/** Snapshots may hand `text` values over as UTF-8 Buffers: compare and inspect them as strings. */
function decodeText(row: unknown[]): unknown[] {
  return row.map((v) => (Buffer.isBuffer(v) ? v.toString("utf8") : v));
}

async function readAll(siteId: number, product: Product): Promise<Rows> {
  const snapshot = await store.data.snapshot(siteId);
  const out: Rows = new Map();
  try {
    for (const def of entitiesOf(product)) {
      const all: unknown[][] = [];
      for await (const batch of snapshot.rows(def, 1000)) all.push(...batch.map(decodeText));
      out.set(def.name, all);
    }
  } finally {
    await snapshot.close();
  }
  return out;
}

async function generate(product: Product, name: string, seed: number, worker: boolean): Promise<Generated> {
  const site = await store.sites.create("demo-org", { product, contextPath: `/${product}-${name}`, baseUrl: `http://localhost/${product}-${name}` });
  const progress = new Map<string, number[]>();
  const options: DemoOptions = { scale: 1, seed, now: NOW, worker };
  const counts = await generateDemo(store, site, options, (entityName, written) => {
    progress.set(entityName, [...(progress.get(entityName) ?? []), written]);
  });
  return { site, counts, rows: await readAll(site.id, product), progress };
}

function get(product: Product): { a: Generated; b: Generated; c: Generated } {
  const found = sites.get(product);
  assert.ok(found, `no generated sites for ${product}`);
  return found;
}

/** Values of one column of an entity, by name. */
function column(product: Product, entityName: string, name: string): unknown[] {
  const def = entity(product, entityName);
  const index = storedColumns(def).findIndex((c) => c.name === name);
  assert.ok(index >= 0, `${product}.${entityName} has no column ${name}`);
  return (get(product).a.rows.get(entityName) ?? []).map((r) => r[index]);
}

/** Rows of an entity as objects keyed by column name. */
function objects(product: Product, entityName: string): Record<string, unknown>[] {
  const names = storedColumns(entity(product, entityName)).map((c) => c.name);
  return (get(product).a.rows.get(entityName) ?? []).map((r) => Object.fromEntries(names.map((n, i) => [n, r[i]])));
}

function allStrings(): string[] {
  const out: string[] = [];
  for (const product of PRODUCTS) {
    for (const rows of get(product).a.rows.values()) for (const row of rows) for (const v of row) if (typeof v === "string") out.push(v);
  }
  return out;
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "sluice-demo-"));
  store = openSqliteStore(join(dir, "store.db"));
  await store.sites.ensureOrganisation("demo-org", "Demo");
  for (const product of PRODUCTS) {
    sites.set(product, {
      a: await generate(product, "a", 7, true),
      b: await generate(product, "b", 7, false),
      c: await generate(product, "c", 8, false),
    });
  }
});

after(async () => {
  await store?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("demo generator: determinism and counts", () => {
  test("the same seed, now and scale give identical rows in every entity, in a worker or not", () => {
    for (const product of PRODUCTS) {
      const { a, b } = get(product);
      for (const def of entitiesOf(product)) {
        assert.deepEqual(b.rows.get(def.name), a.rows.get(def.name), `${product}.${def.name} differs between equal seeds`);
      }
      assert.deepEqual(b.counts, a.counts);
    }
  });

  test("another seed gives other rows", () => {
    for (const product of PRODUCTS) {
      const { a, c } = get(product);
      const primary = entitiesOf(product).find((d) => d.primary) as EntityDef;
      assert.notDeepEqual(c.rows.get(primary.name), a.rows.get(primary.name), `${product}.${primary.name} ignores the seed`);
    }
  });

  test("every entity gets rows, and the returned counts match the store", async () => {
    for (const product of PRODUCTS) {
      const { a } = get(product);
      assert.deepEqual(Object.keys(a.counts).sort(), entitiesOf(product).map((d) => d.name).sort());
      for (const def of entitiesOf(product)) {
        const n = a.counts[def.name];
        assert.ok(n !== undefined && n > 0, `${product}.${def.name} has no rows`);
        assert.equal(await store.data.count(a.site.id, def), n, `${product}.${def.name} count`);
        assert.equal(a.rows.get(def.name)?.length, n);
      }
    }
  });

  test("scale-1 defaults are the documented sizes", () => {
    assert.deepEqual(
      { users: 40, spaces: 6, pages: 400, comments: 1200, analytics_events: 3000 },
      pick(get("confluence").a.counts, ["users", "spaces", "pages", "comments", "analytics_events"]),
    );
    assert.deepEqual({ users: 40, issues: 600, sprints: 8 }, pick(get("jira").a.counts, ["users", "issues", "sprints"]));
    assert.deepEqual(
      { users: 30, repositories: 10, commits: 3000, pull_requests: 150 },
      pick(get("bitbucket").a.counts, ["users", "repositories", "commits", "pull_requests"]),
    );
  });

  test("progress reports rising totals that end at the written count", () => {
    for (const g of [get("confluence").a, get("confluence").b]) {
      const comments = g.progress.get("comments") ?? [];
      assert.ok(comments.length >= 1);
      assert.deepEqual([...comments].sort((x, y) => x - y), comments);
      assert.equal(comments.at(-1), g.counts.comments);
    }
  });

  test("counts override the driver entities", async () => {
    const site = await store.sites.create("demo-org", { product: "confluence", contextPath: "/confluence-small", baseUrl: "http://localhost/s" });
    const counts = await generateDemo(store, site, {
      scale: 1,
      seed: 1,
      now: NOW,
      counts: { pages: 50, users: 5, analytics_events: 10 },
      contentBytes: 100,
      worker: false,
    });
    assert.equal(counts.pages, 50);
    assert.equal(counts.users, 5);
    assert.equal(counts.analytics_events, 10);
    assert.equal(counts.comments, 150, "comments follow pages when not given");
    await store.data.clearSite(site.id);
  });

  test("a store that fails stops the worker and rejects the generation", async () => {
    const broken = openSqliteStore(join(dir, "broken.db"));
    await broken.sites.ensureOrganisation("demo-org", "Demo");
    const site = await broken.sites.create("demo-org", { product: "jira", contextPath: "/broken", baseUrl: "http://localhost/broken" });
    await broken.close();
    await assert.rejects(generateDemo(broken, site, { scale: 1, seed: 1, now: NOW, worker: true }), /not open/);
  });

  test("options without a positive scale or a finite now are refused", async () => {
    const { site } = get("confluence").a;
    await assert.rejects(generateDemo(store, site, { scale: 0, seed: 1, now: NOW }), { code: "sluice.config.invalid" });
    await assert.rejects(generateDemo(store, site, { scale: 1, seed: 1, now: Number.NaN }), { code: "sluice.config.invalid" });
  });
});

function pick(record: Record<string, number>, keys: readonly string[]): Record<string, number | undefined> {
  return Object.fromEntries(keys.map((k) => [k, record[k]]));
}

describe("demo generator: values", () => {
  test("text holds every CSV edge case somewhere", () => {
    const text = allStrings();
    const classes: Record<string, RegExp> = {
      quote: /"/,
      comma: /,/,
      crlf: /\r\n/,
      lone_cr: /\r(?!\n)/,
      lone_lf: /(?<!\r)\n/,
      tab: /\t/,
      surrogate_pair: /[\uD800-\uDBFF][\uDC00-\uDFFF]/,
      japanese: /[\u3040-\u30ff\u4e00-\u9fff]/,
      cyrillic: /[\u0400-\u04ff]/,
      arabic: /[\u0600-\u06ff]/,
      greek: /[\u0370-\u03ff]/,
      leading_space: /^ /,
      trailing_space: / $/,
    };
    for (const [name, pattern] of Object.entries(classes)) {
      assert.ok(text.some((v) => pattern.test(v)), `no value has ${name}`);
    }
  });

  test("nullable columns hold some nulls", () => {
    assert.ok(column("jira", "issues", "environment").includes(null));
    assert.ok(column("confluence", "pages", "labels").includes(null), "empty label lists are stored as null");
    assert.ok(column("confluence", "pages", "page_parent_id").includes(null));
    assert.ok(column("bitbucket", "repositories", "origin").includes(null));
  });

  test("ids, keys and dates are clean", () => {
    for (const product of PRODUCTS) {
      for (const def of entitiesOf(product)) {
        const cols = storedColumns(def);
        for (const row of get(product).a.rows.get(def.name) ?? []) {
          cols.forEach((c, i) => {
            const v = row[i];
            if (v === null) return;
            if (c.type === "datetime") assert.match(String(v), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/, `${def.name}.${c.name}`);
            if (c.type === "date") assert.match(String(v), /^\d{4}-\d{2}-\d{2}$/, `${def.name}.${c.name}`);
            if (c.type === "url") assert.match(String(v), /^\/[\x21-\x7e]*$/, `${def.name}.${c.name}`);
            if (def.key.includes(c.name) || c.name === "scope_key") assert.match(String(v), /^[\x21-\x7e]+$/, `${def.name}.${c.name}`);
          });
        }
      }
    }
  });

  test("json columns parse to lists or maps, and no empty list is stored", () => {
    for (const product of PRODUCTS) {
      for (const def of entitiesOf(product)) {
        storedColumns(def).forEach((c, i) => {
          if (c.type !== "json") return;
          const values = (get(product).a.rows.get(def.name) ?? []).map((r) => r[i]).filter((v) => v !== null);
          assert.ok(values.length > 0, `${def.name}.${c.name} is always null`);
          for (const v of values) {
            const parsed: unknown = JSON.parse(String(v));
            assert.ok(typeof parsed === "object" && parsed !== null, `${def.name}.${c.name}: ${String(v)}`);
            if (Array.isArray(parsed)) assert.ok(parsed.length > 0, `${def.name}.${c.name} stored an empty list`);
          }
        });
      }
    }
  });

  test("dates are ordered and fall in the two years before now", () => {
    for (const product of PRODUCTS) {
      for (const def of entitiesOf(product)) {
        const cols = storedColumns(def);
        for (const o of objects(product, def.name)) {
          for (const c of cols) {
            const v = o[c.name];
            if (v === null || (c.type !== "datetime" && c.type !== "date")) continue;
            const day = String(v).slice(0, 10);
            assert.ok(day >= WINDOW_START_ISO.slice(0, 10) && String(v) <= NOW_ISO, `${def.name}.${c.name} = ${String(v)}`);
          }
          const pairs: [string, string][] = [
            ["created_date", "updated_date"],
            ["created_date", "resolution_date"],
            ["resolution_date", "updated_date"],
            ["created_date", "closed_date"],
            ["author_timestamp", "committer_timestamp"],
            ["build_created_date", "build_updated_date"],
            ["started", "created_date"],
            ["start_date", "end_date"],
          ];
          for (const [early, late] of pairs) {
            if (o[early] == null || o[late] == null) continue;
            assert.ok(String(o[early]) <= String(o[late]), `${def.name}: ${early} ${String(o[early])} > ${late} ${String(o[late])}`);
          }
        }
      }
    }
  });

  test("toRow maps by column name and leaves unknown columns null", () => {
    const def = entity("confluence", "pages");
    const row = toRow(def, { page_id: 5, page_title: "T", scope_key: "ENG", not_a_column: 1 });
    const names = storedColumns(def).map((c) => c.name);
    assert.equal(row.length, names.length);
    assert.equal(row[names.indexOf("page_id")], 5);
    assert.equal(row[names.indexOf("page_title")], "T");
    assert.equal(row.at(-1), "ENG");
    assert.equal(row[names.indexOf("page_content")], null);
  });
});

describe("demo generator: confluence", () => {
  test("a few authors write most pages (Zipf)", () => {
    const perAuthor = new Map<unknown, number>();
    for (const id of column("confluence", "pages", "creator_id")) perAuthor.set(id, (perAuthor.get(id) ?? 0) + 1);
    const counts = [...perAuthor.values()].sort((x, y) => y - x);
    const median = counts[Math.floor(counts.length / 2)] ?? 0;
    assert.ok((counts[0] ?? 0) >= 4 * Math.max(1, median), `top ${counts[0]} vs median ${median}`);
  });

  test("pages form trees within their space, comments thread on their page", () => {
    const pages = objects("confluence", "pages");
    const byId = new Map(pages.map((p) => [p.page_id, p]));
    const children = pages.filter((p) => p.page_parent_id !== null);
    assert.ok(children.length > pages.length / 2);
    for (const p of children) {
      const parent = byId.get(p.page_parent_id);
      assert.ok(parent, `parent of ${String(p.page_id)} missing`);
      assert.equal(parent.space_key, p.space_key);
      assert.equal(parent.page_type, "page");
    }
    assert.ok(children.some((p) => byId.get(p.page_parent_id)?.page_parent_id !== null), "no tree deeper than one level");
    const comments = objects("confluence", "comments");
    const commentById = new Map(comments.map((c) => [c.comment_id, c]));
    const replies = comments.filter((c) => c.parent_comment_id !== null);
    assert.ok(replies.length > 0);
    for (const c of comments) {
      const page = byId.get(c.page_id);
      assert.ok(page);
      assert.equal(c.scope_key, page.space_key);
      assert.equal(c.comment_url, `/pages/viewpage.action?pageId=${String(c.page_id)}&focusedCommentId=${String(c.comment_id)}#comment-${String(c.comment_id)}`);
    }
    for (const r of replies) assert.equal(commentById.get(r.parent_comment_id)?.page_id, r.page_id);
  });

  test("spaces are global and personal, some archived, each with its home page", () => {
    const spaces = objects("confluence", "spaces");
    const pageIds = new Set(column("confluence", "pages", "page_id"));
    assert.ok(spaces.some((s) => s.space_type === "personal" && String(s.space_key).startsWith("~")));
    assert.ok(spaces.some((s) => s.space_type === "global"));
    assert.ok(spaces.some((s) => s.space_status === "ARCHIVED"));
    for (const s of spaces) {
      assert.equal(s.space_url, `/display/${String(s.space_key)}`);
      const home = /pageId=(\d+)$/.exec(String(s.homepage_url));
      assert.ok(home && pageIds.has(Number(home[1])), `home page of ${String(s.space_key)}`);
    }
    assert.ok(column("confluence", "pages", "page_type").includes("blogpost"));
  });
});

describe("demo generator: jira", () => {
  test("issues follow the workflow: resolutions only when done, parents in the project", () => {
    const issues = objects("jira", "issues");
    const byId = new Map(issues.map((i) => [i.id, i]));
    for (const i of issues) {
      assert.equal(i.resolution !== null, i.status_category === "Done", `${String(i.key)} resolution`);
      assert.equal(i.resolution_date !== null, i.status_category === "Done");
      assert.match(String(i.key), new RegExp(`^${String(i.project_key)}-\\d+$`));
      assert.equal(i.url, `/browse/${String(i.key)}`);
      if (i.parent_id !== null) assert.equal(byId.get(i.parent_id)?.project_key, i.project_key);
      assert.ok(i.creator_name !== null && i.reporter_name !== null);
    }
    assert.ok(issues.some((i) => i.issue_type === "Sub-task" && i.parent_id !== null));
    assert.ok(issues.some((i) => i.sprint_ids !== null));
  });

  test("history, fields, links, sprints and worklogs look like Jira", () => {
    const fields = new Set(column("jira", "issue_history", "field"));
    for (const f of ["status", "assignee", "priority", "resolution"]) assert.ok(fields.has(f), `no ${f} change`);
    const fieldIds = new Set(column("jira", "issue_fields", "field_id"));
    assert.ok(fieldIds.has("customfield_10010") && fieldIds.has("customfield_10020") && fieldIds.has("priority"));
    const links = objects("jira", "issue_links");
    assert.ok(links.some((l) => l.link_type === "Blocks" && l.outward_description === "blocks" && l.inward_description === "is blocked by"));
    assert.deepEqual(new Set(column("jira", "sprints", "state")), new Set(["closed", "active", "future"]));
    const sprintIds = new Set(column("jira", "sprints", "sprint_id"));
    for (const v of column("jira", "issues", "sprint_ids")) {
      if (v !== null) for (const id of JSON.parse(String(v)) as number[]) assert.ok(sprintIds.has(id));
    }
    const issueProject = new Map(objects("jira", "issues").map((i) => [i.id, i.project_key]));
    for (const w of objects("jira", "worklogs")) assert.equal(w.scope_key, issueProject.get(w.issue_id));
    for (const l of links) assert.equal(l.scope_key, issueProject.get(l.source_issue_id));
    assert.ok(column("jira", "users", "active").includes(0), "some users are inactive");
  });
});

describe("demo generator: bitbucket", () => {
  test("pull request ids are <to_repository_id>-<scoped_id> and activities point at them", () => {
    const prs = objects("bitbucket", "pull_requests");
    const ids = new Set(prs.map((p) => p.pull_request_id));
    for (const p of prs) {
      assert.equal(p.pull_request_id, `${String(p.to_repository_id)}-${String(p.scoped_id)}`);
      assert.equal(p.scope_key, String(p.to_repository_id));
      assert.equal(p.closed_date !== null, p.state !== "OPEN");
    }
    assert.deepEqual(new Set(prs.map((p) => p.state)), new Set(["OPEN", "MERGED", "DECLINED"]));
    const actions = new Set<unknown>();
    for (const a of objects("bitbucket", "pull_request_activities")) {
      assert.ok(ids.has(a.pull_request_id));
      assert.equal(a.scope_key, String(a.pull_request_id).split("-")[0]);
      actions.add(a.action);
    }
    for (const action of ["OPENED", "COMMENTED", "APPROVED", "MERGED", "DECLINED"]) assert.ok(actions.has(action), action);
  });

  test("every build status refers to an existing commit", () => {
    const commits = new Set(objects("bitbucket", "commits").map((c) => `${String(c.repository_id)}:${String(c.commit_hash)}`));
    for (const c of column("bitbucket", "commits", "commit_hash")) assert.match(String(c), /^[0-9a-f]{40}$/);
    const builds = objects("bitbucket", "build_statuses");
    for (const b of builds) {
      assert.ok(commits.has(`${String(b.repository_id)}:${String(b.commit_hash)}`), `build ${String(b.build_key)} on unknown commit`);
      assert.match(String(b.build_url), /^https:\/\/ci\.example\.com\//);
    }
    assert.ok(builds.some((b) => b.build_state === "FAILED") && builds.some((b) => b.build_state === "SUCCESSFUL"));
  });

  test("repositories: forks share their origin's hierarchy, personal ones live under /users", () => {
    const repos = objects("bitbucket", "repositories");
    const byId = new Map(repos.map((r) => [r.repository_id, r]));
    const forks = repos.filter((r) => r.fork === 1);
    assert.ok(forks.length > 0);
    for (const f of forks) assert.equal(byId.get(f.origin)?.hierarchy_id, f.hierarchy_id);
    for (const r of repos) {
      assert.ok(typeof r.slug === "string" && r.slug.length > 0);
      const prefix = r.project_type === "PERSONAL" ? "/users/" : `/projects/${String(r.project_key)}/`;
      assert.ok(String(r.url).startsWith(prefix) && String(r.url).endsWith(`/repos/${String(r.slug)}`), String(r.url));
    }
    assert.ok(repos.some((r) => r.project_type === "PERSONAL") && repos.some((r) => r.project_type === "NORMAL"));
  });
});
