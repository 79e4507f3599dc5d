/**
 * Restores (issue 16) on both stores, through the API: a round trip per product (back up a demo site,
 * restore into an empty site, export both with the Data pipeline: the files are identical once the
 * destination's URL is normalised; attachment bytes identical); a conflicting space reported, nothing
 * written without consent, skipped with it and listed in the post-op report; a single page and a single
 * Jira project restored into another site, the dry run listing exactly what the restore then writes, ids
 * remapped above the destination's own; and the requests that are refused with a key.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { BackupService } from "../src/backup/backup-service.js";
import { BackupStorages } from "../src/backup/storages.js";
import { attachmentEntityOf, entitiesOf, entity, storedColumns, type EntityDef } from "../src/core/entities/registry.js";
import { createSite } from "../src/sites/site-service.js";
import type { Site } from "../src/store/port.js";
import { startTestApp, waitForJob, type TestApp } from "./support/app.js";
import { STORE_KINDS } from "./support/stores.js";

type Json = any;
const DAY = 86_400_000;

for (const kind of STORE_KINDS) {
  describe(`restore API (${kind})`, () => {
    let t: TestApp;
    let orgId: string;
    const backupIds = new Map<string, string>();
    const call = async (method: string, url: string, body?: unknown): Promise<{ status: number; json: Json }> => {
      const res = await t.app.inject({ method: method as "GET", url, headers: { ...t.auth, "x-atlassian-token": "no-check" }, ...(body !== undefined ? { payload: body as object } : {}) });
      return { status: res.statusCode, json: res.body ? res.json() : null };
    };
    const api = (path: string) => `/rest/backup/v1/orgs/${orgId}${path}`;
    const until = async (what: string, fn: () => Promise<Json>): Promise<Json> => {
      const end = Date.now() + 90_000;
      for (;;) {
        await t.ctx.runner.dispatch();
        const v = await fn();
        if (v !== undefined) return v;
        if (Date.now() > end) throw new Error(`timed out: ${what}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    const restoreEnded = (id: string) =>
      until(`restore ${id}`, async () => {
        const { json } = await call("GET", api(`/restores/${id}`));
        return json.status === "IN_PROGRESS" ? undefined : json;
      });
    const site = async (key: string): Promise<Site> => (await t.ctx.store.sites.byKey(key))!;
    const newSite = async (product: string, key: string) => createSite(t.ctx.store, { product, contextPath: `/${key}` }, "ready");

    /** Backs up a demo site once (with attachments); its backup id. */
    const backupOf = async (key: string): Promise<string> => {
      if (backupIds.has(key)) return backupIds.get(key)!;
      const s = await site(key);
      const product = s.product.toUpperCase();
      const policy = await call("POST", api(`/cloud/${s.cloudId}/policies`), { product, includeAttachments: true });
      assert.equal(policy.status, 201, JSON.stringify(policy.json));
      const started = await call("POST", api("/backups"), { policyId: policy.json.policyId, cloudId: s.cloudId });
      assert.equal(started.status, 202, JSON.stringify(started.json));
      const done = await until("backup", async () => {
        const { json } = await call("GET", api(`/backups/${started.json.backupId}`));
        return json.status === "IN_PROGRESS" ? undefined : json;
      });
      assert.equal(done.status, "COMPLETE", JSON.stringify(done));
      backupIds.set(key, done.backupId);
      return done.backupId;
    };

    /** Exports a site with the Data pipeline; its files' contents by entity, the site's base URL replaced by `BASE`. */
    const exported = async (key: string): Promise<Map<string, string>> => {
      const res = await call("POST", `/${key}/rest/datapipeline/latest/export?fromDate=2000-01-01T00:00Z`);
      assert.equal(res.status, 202, JSON.stringify(res.json));
      await waitForJob(t, key, res.json.jobId, 60_000);
      const job = (await call("GET", `/${key}/rest/datapipeline/latest/export`)).json;
      assert.equal(job.status, "COMPLETED", JSON.stringify(job));
      const dir = join(job.rootExportPath, String(job.jobId));
      const base = (await call("GET", `/rest/backup/v1/orgs/${orgId}/sites`)).json.values.find((s: Json) => s.contextPath === `/${key}`).baseUrl as string;
      const out = new Map<string, string>();
      for (const f of job.files as Json[]) out.set(f.entity, (await readFile(join(dir, f.name), "utf8")).split(base).join("BASE"));
      return out;
    };

    const rowsOf = async (s: Site, def: EntityDef): Promise<string[]> => {
      const snapshot = await t.ctx.store.data.snapshot(s.id);
      const out: string[] = [];
      try {
        for await (const batch of snapshot.rows(def, 1000)) for (const row of batch) out.push(JSON.stringify(row.map((v) => (Buffer.isBuffer(v) ? v.toString("utf8") : v instanceof Date ? v.toISOString() : typeof v === "bigint" ? Number(v) : v))));
      } finally {
        await snapshot.close();
      }
      return out;
    };
    const everyRow = async (s: Site) => {
      const all: Record<string, string[]> = {};
      const attachments = attachmentEntityOf(s.product);
      for (const def of [...entitiesOf(s.product), ...(attachments ? [attachments] : []), entity(s.product, "groups"), entity(s.product, "group_members"), entity(s.product, "grants"), entity(s.product, "users")]) all[def.name] = await rowsOf(s, def);
      return all;
    };

    before(async () => {
      t = await startTestApp({ store: kind, config: { backup: { cadenceDays: 0 } } });
      orgId = (await call("GET", "/rest/backup/v1/orgs")).json.values[0].orgId;
    });
    after(async () => {
      await t?.close();
    });

    for (const [product, key] of [["confluence", "wiki"], ["jira", "jira"], ["bitbucket", "bitbucket"]] as const) {
      test(`${product} round trip: restored into an empty site, the Data pipeline files are identical and so are the attachment bytes and git history`, async () => {
        const backupId = await backupOf(key);
        const dest = await newSite(product, `copy-${key}`);
        const created = await call("POST", api(`/cloud/${dest.cloudId}/restores`), { backupId, product: product.toUpperCase(), includeAttachments: product !== "bitbucket", includeUsersAndGroups: true });
        assert.equal(created.status, 202, JSON.stringify(created.json));
        // The empty destination has none of the backup's groups: they are created only when accepted.
        assert.equal(created.json.status, "AWAITING_CONSENT");
        assert.deepEqual(created.json.checks.map((c: Json) => c.code), ["CUSTOM_GROUPS"]);
        assert.equal(await t.ctx.store.data.count(dest.id, entitiesOf(product)[1]!), 0, "nothing written before the consent");
        const consented = await call("POST", api(`/cloud/${dest.cloudId}/restores/revalidate`), { restoreId: created.json.restoreId, consent: ["Accept_Custom_Group_Check"] });
        assert.equal(consented.status, 202, JSON.stringify(consented.json));
        const done = await restoreEnded(created.json.restoreId);
        assert.equal(done.status, "COMPLETE", JSON.stringify(done));

        const [source, copy] = [await exported(key), await exported(`copy-${key}`)];
        assert.deepEqual([...copy.keys()], [...source.keys()]);
        for (const [name, text] of source) assert.ok(copy.get(name) === text, `${product} ${name}: the restored site's file differs`);
        // Access and attachments: the same rows, and the same bytes for each attachment.
        const [before_, after_] = [await everyRow(await site(key)), await everyRow(dest)];
        assert.deepEqual(after_, before_);
        const report = await call("GET", api(`/cloud/${dest.cloudId}/migration/${created.json.restoreId}/postOpReport`));
        assert.equal(report.status, 200);
        assert.deepEqual(report.json.report.skipped.scopes, []);
        if (product === "bitbucket") {
          // Every git-backed repository cloned from its bundle: the same history, every ref.
          const from = (await t.ctx.store.settings.get<Record<string, { path: string }>>((await site(key)).id, "git.repositories"))!;
          const to = (await t.ctx.store.settings.get<Record<string, { path: string }>>(dest.id, "git.repositories"))!;
          assert.deepEqual(Object.keys(to), Object.keys(from));
          assert.ok(Object.keys(from).length > 0, "the demo has a git repository");
          for (const id of Object.keys(from)) {
            assert.notEqual(to[id]!.path, from[id]!.path);
            assert.equal(git(to[id]!.path, "rev-list", "--all"), git(from[id]!.path, "rev-list", "--all"));
            assert.equal(git(to[id]!.path, "show-ref"), git(from[id]!.path, "show-ref"));
          }
          assert.deepEqual(report.json.report.git.repositories.length, Object.keys(from).length);
          return;
        }
        const att = attachmentEntityOf(product)!;
        const rows = await rowsOf(dest, att);
        assert.ok(rows.length > 0, "the demo has attachments");
        const idAt = storedColumns(att).findIndex((c) => c.name === "attachment_id");
        const shaAt = storedColumns(att).findIndex((c) => c.name === "sha256");
        for (const row of rows.map((r) => JSON.parse(r) as unknown[])) {
          const bytes = await streamBytes(await t.ctx.attachments.get(dest.id, row[idAt] as number));
          assert.equal(createHash("sha256").update(bytes).digest("hex"), row[shaAt]);
        }
        assert.equal(report.json.report.attachments.copied, rows.length);
      });
    }

    test("a space the destination has: reported, nothing written without consent, skipped with it and listed in the post-op report", async () => {
      const backupId = await backupOf("wiki");
      const dest = await newSite("confluence", "wiki-conflict");
      const spaces = await rowsOf(await site("wiki"), entity("confluence", "spaces"));
      const spaceKey = (JSON.parse(spaces[0]!) as string[])[0]!;
      // First one space alone (a partial restore: no checks, starts at once).
      const one = await call("POST", api(`/cloud/${dest.cloudId}/restores`), { backupId, product: "CONFLUENCE", includeUsersAndGroups: false, scopes: [spaceKey] });
      assert.equal(one.status, 202, JSON.stringify(one.json));
      assert.equal((await restoreEnded(one.json.restoreId)).status, "COMPLETE");
      const beforeAll = await everyRow(dest);
      assert.equal(beforeAll.spaces!.length, 1);

      const all = await call("POST", api(`/cloud/${dest.cloudId}/restores`), { backupId, product: "CONFLUENCE", includeUsersAndGroups: false });
      assert.equal(all.json.status, "AWAITING_CONSENT");
      assert.deepEqual(all.json.checks.map((c: Json) => [c.code, c.consent, c.items]), [["CONFLICTING_SPACES", "Consent_Conflicting_Space_Check", [spaceKey]]]);
      // Nothing is written while it waits, and a consent to something else does not start it.
      const wrong = await call("POST", api(`/cloud/${dest.cloudId}/restores/revalidate`), { restoreId: all.json.restoreId, consent: ["Consent_TDP_Shard_Check"] });
      assert.equal(wrong.json.status, "AWAITING_CONSENT");
      await t.ctx.runner.dispatch();
      assert.deepEqual(await everyRow(dest), beforeAll);
      const ok = await call("POST", api(`/cloud/${dest.cloudId}/restores/revalidate`), { restoreId: all.json.restoreId, consent: ["Consent_Conflicting_Space_Check"] });
      assert.equal(ok.status, 202);
      assert.equal((await restoreEnded(all.json.restoreId)).status, "COMPLETE");
      const report = (await call("GET", api(`/cloud/${dest.cloudId}/migration/${all.json.restoreId}/postOpReport`))).json.report;
      assert.deepEqual(report.skipped.scopes, [spaceKey]);
      const afterAll = await everyRow(dest);
      assert.equal(afterAll.spaces!.length, spaces.length);
      // The space the destination had kept its rows (the first restore's), none added to it.
      for (const name of ["pages", "comments"]) {
        const inSpace = (rows: string[]) => rows.filter((r) => (JSON.parse(r) as unknown[]).at(-1) === spaceKey);
        assert.deepEqual(inSpace(afterAll[name]!), inSpace(beforeAll[name]!), name);
      }
      const listed = (await call("GET", api(`/restores?cloudId=${dest.cloudId}`))).json.values;
      assert.deepEqual(listed.map((r: Json) => r.restoreId), [all.json.restoreId, one.json.restoreId]);
    });

    test("a single page (with its comments and attachments) into another site: the dry run lists exactly what the restore writes", async () => {
      const backupId = await backupOf("wiki");
      const source = await site("wiki");
      const dest = await site("wiki-conflict"); // holds the whole wiki already: every id is taken
      const comments = await rowsOf(source, entity("confluence", "comments"));
      const attachments = await rowsOf(source, attachmentEntityOf("confluence")!);
      const commented = new Set(comments.map((r) => (JSON.parse(r) as unknown[])[storedColumns(entity("confluence", "comments")).findIndex((c) => c.name === "page_id")]));
      const attAt = storedColumns(attachmentEntityOf("confluence")!).findIndex((c) => c.name === "page_id");
      const withFiles = new Set(attachments.map((r) => (JSON.parse(r) as unknown[])[attAt]));
      const pageId = [...commented].find((id) => withFiles.has(id)) as number;
      assert.ok(pageId, "the demo has a page with comments and attachments");
      const body = { backupId, product: "CONFLUENCE", includeAttachments: true, includeUsersAndGroups: false, items: [{ type: "PAGE", id: pageId }] };
      const dry = await call("POST", api(`/cloud/${dest.cloudId}/restores`), { ...body, dryRun: true });
      assert.equal(dry.status, 202, JSON.stringify(dry.json));
      assert.equal((await restoreEnded(dry.json.restoreId)).status, "COMPLETE");
      const planned = (await call("GET", api(`/cloud/${dest.cloudId}/migration/${dry.json.restoreId}/postOpReport`))).json.report;
      assert.equal(planned.dryRun, true);
      assert.deepEqual(Object.keys(planned.restored).sort(), ["analytics_events", "attachments", "comments", "pages"]);
      assert.equal(planned.restored.pages.rows, 1);

      const beforeRows = await everyRow(dest);
      const real = await call("POST", api(`/cloud/${dest.cloudId}/restores`), body);
      assert.equal((await restoreEnded(real.json.restoreId)).status, "COMPLETE");
      const done = (await call("GET", api(`/cloud/${dest.cloudId}/migration/${real.json.restoreId}/postOpReport`))).json.report;
      assert.deepEqual(done.restored, planned.restored);
      // What was added to the destination is exactly the listing; nothing it had changed.
      const afterRows = await everyRow(dest);
      for (const name of Object.keys(afterRows)) {
        const def = name === "attachments" ? attachmentEntityOf("confluence")! : entity("confluence", name);
        const keyOf = (r: string) => def.key.map((k) => String((JSON.parse(r) as unknown[])[storedColumns(def).findIndex((c) => c.name === k)])).join("/");
        const added = afterRows[name]!.filter((r) => !beforeRows[name]!.includes(r));
        assert.ok(beforeRows[name]!.every((r) => afterRows[name]!.includes(r)), `${name}: the destination's own rows are untouched`);
        assert.deepEqual(added.map(keyOf).sort(), [...(planned.restored[name]?.keys ?? [])].sort(), name);
      }
      // The page got an id above the destination's own, and its comments point at it.
      const newPage = Number(planned.restored.pages.keys[0]);
      assert.ok(newPage > pageId);
      const pageAt = storedColumns(entity("confluence", "comments")).findIndex((c) => c.name === "page_id");
      assert.ok(afterRows.comments!.filter((r) => !beforeRows.comments!.includes(r)).every((r) => (JSON.parse(r) as unknown[])[pageAt] === newPage));
      assert.equal(done.attachments.copied, planned.restored.attachments.rows);
    });

    test("a single Jira project into a site that has another: ids moved above the destination's, issues and their rows complete", async () => {
      const backupId = await backupOf("jira");
      const source = await site("jira");
      const dest = await newSite("jira", "jira-two");
      const projects = [...new Set((await rowsOf(source, entity("jira", "issues"))).map((r) => (JSON.parse(r) as unknown[]).at(-1) as string))].sort();
      assert.ok(projects.length >= 2);
      const [first, second] = projects as [string, string];
      const a = await call("POST", api(`/cloud/${dest.cloudId}/restores`), { backupId, product: "JIRA", includeUsersAndGroups: false, scopes: [first] });
      assert.equal((await restoreEnded(a.json.restoreId)).status, "COMPLETE");
      const body = { backupId, product: "JIRA", includeUsersAndGroups: false, scopes: [second] };
      const dry = await call("POST", api(`/cloud/${dest.cloudId}/restores`), { ...body, dryRun: true });
      assert.equal((await restoreEnded(dry.json.restoreId)).status, "COMPLETE");
      const planned = (await call("GET", api(`/cloud/${dest.cloudId}/migration/${dry.json.restoreId}/postOpReport`))).json.report;
      const beforeRows = await everyRow(dest);
      const b = await call("POST", api(`/cloud/${dest.cloudId}/restores`), body);
      assert.equal((await restoreEnded(b.json.restoreId)).status, "COMPLETE");
      const done = (await call("GET", api(`/cloud/${dest.cloudId}/migration/${b.json.restoreId}/postOpReport`))).json.report;
      assert.deepEqual(done.restored, planned.restored);
      assert.ok(done.remapped.issues > 0, "the destination had issues: ids moved above them");
      const afterRows = await everyRow(dest);
      for (const def of entitiesOf("jira")) {
        const all = afterRows[def.name]!;
        assert.ok(beforeRows[def.name]!.every((r) => all.includes(r)), `${def.name}: untouched`);
        const keyOf = (r: string) => def.key.map((k) => String((JSON.parse(r) as unknown[])[storedColumns(def).findIndex((c) => c.name === k)])).join("/");
        assert.deepEqual(all.filter((r) => !beforeRows[def.name]!.includes(r)).map(keyOf).sort(), [...(planned.restored[def.name]?.keys ?? [])].sort(), def.name);
      }
      // Per project, the destination has as many issues as the source.
      const count = (rows: string[], p: string) => rows.filter((r) => (JSON.parse(r) as unknown[]).at(-1) === p).length;
      const sourceIssues = await rowsOf(source, entity("jira", "issues"));
      for (const p of [first, second]) assert.equal(count(afterRows.issues!, p), count(sourceIssues, p), p);
      // Every worklog and field of a restored issue points at an issue of the destination.
      const ids = new Set(afterRows.issues!.map((r) => (JSON.parse(r) as unknown[])[0]));
      for (const name of ["issue_fields", "issue_history", "worklogs"]) {
        const at = storedColumns(entity("jira", name)).findIndex((c) => c.name === "issue_id");
        assert.ok(afterRows[name]!.every((r) => ids.has((JSON.parse(r) as unknown[])[at])), name);
      }
    });

    test("plan, region and trial: a destination on a free plan in another region gets each check with its consent code", async () => {
      const backupId = await backupOf("wiki");
      const dest = await createSite(t.ctx.store, { product: "confluence", contextPath: "/wiki-free", plan: "free", region: "eu" }, "ready");
      const created = await call("POST", api(`/cloud/${dest.cloudId}/restores`), { backupId, product: "CONFLUENCE", includeUsersAndGroups: false });
      assert.equal(created.status, 202, JSON.stringify(created.json));
      assert.deepEqual(
        created.json.checks.map((c: Json) => [c.code, c.consent]),
        [
          ["PRODUCT_LICENSE", "Consent_Product_License_Check"],
          ["TDP_SHARD", "Consent_TDP_Shard_Check"],
          ["SITE_LICENSE", "Consent_Site_License_Check"],
        ],
      );
      assert.match(created.json.checks[1].message, /taken in region local; the destination is in eu/);
      const partly = await call("POST", api(`/cloud/${dest.cloudId}/restores/revalidate`), { restoreId: created.json.restoreId, consent: ["Consent_Product_License_Check", "Consent_TDP_Shard_Check"] });
      assert.equal(partly.json.status, "AWAITING_CONSENT");
      assert.deepEqual(partly.json.checks.map((c: Json) => c.consented), [true, true, false]);
      const all = await call("POST", api(`/cloud/${dest.cloudId}/restores/revalidate`), { restoreId: created.json.restoreId, consent: ["Consent_Site_License_Check"] });
      assert.equal(all.json.status, "IN_PROGRESS");
      assert.equal((await restoreEnded(created.json.restoreId)).status, "COMPLETE");
      const again = await call("POST", api(`/cloud/${dest.cloudId}/restores/revalidate`), { restoreId: created.json.restoreId, consent: ["Consent_Site_License_Check"] });
      assert.equal(again.status, 409, "a started restore takes no more consents");
    });

    test("a tampered archive: the restore FAILED naming the part, the destination as it was", async () => {
      const backupId = await backupOf("jira");
      const dest = await newSite("jira", "jira-tampered");
      const storages = new BackupStorages(t.ctx.config, t.ctx.store);
      const part = join(storages.builtInDirectory, "backups", backupId, "worklogs.ndjson.gz");
      const original = await readFile(part);
      const bytes = Buffer.from(original);
      bytes[Math.floor(bytes.length / 2)]! ^= 0x01;
      await writeFile(part, bytes);
      try {
        const created = await call("POST", api(`/cloud/${dest.cloudId}/restores`), { backupId, product: "JIRA", includeUsersAndGroups: false });
        assert.equal(created.status, 202, JSON.stringify(created.json));
        const done = await restoreEnded(created.json.restoreId);
        assert.equal(done.status, "FAILED");
        assert.equal(done.error.key, "sluice.backup.archive.corrupt");
        assert.match(done.error.message, /worklogs\.ndjson\.gz/);
        for (const def of entitiesOf("jira")) assert.equal(await t.ctx.store.data.count(dest.id, def), 0, def.name);
      } finally {
        await writeFile(part, original);
      }
    });

    test("refused with a key: onto the source site, onto another product, from an EXPIRED or FAILED backup, an unknown consent", async () => {
      const backupId = await backupOf("wiki");
      const wiki = await site("wiki");
      const jira = await site("jira");
      const same = await call("POST", api(`/cloud/${wiki.cloudId}/restores`), { backupId, product: "CONFLUENCE" });
      assert.equal(same.status, 400);
      assert.equal(same.json.errors[0].key, "sluice.restore.same.site");
      const other = await call("POST", api(`/cloud/${jira.cloudId}/restores`), { backupId, product: "JIRA" });
      assert.equal(other.status, 400);
      assert.equal(other.json.errors[0].key, "sluice.restore.wrong.product");
      const dest = await newSite("confluence", "wiki-refused");
      const unknownScope = await call("POST", api(`/cloud/${dest.cloudId}/restores`), { backupId, product: "CONFLUENCE", scopes: ["NOPE"] });
      assert.equal(unknownScope.status, 400);
      assert.match(unknownScope.json.errors[0].message, /has no NOPE/);
      const waiting = await call("POST", api(`/cloud/${dest.cloudId}/restores`), { backupId, product: "CONFLUENCE", includeUsersAndGroups: true });
      const bad = await call("POST", api(`/cloud/${dest.cloudId}/restores/revalidate`), { restoreId: waiting.json.restoreId, consent: ["Please"] });
      assert.equal(bad.status, 400);
      assert.equal(bad.json.errors[0].key, "sluice.restore.invalid");
      // A FAILED backup (its job failed) and an EXPIRED one are not restored.
      const policy = (await t.ctx.store.backups.policies(orgId)).find((p) => p.siteId === wiki.id)!;
      const { job: failed } = await t.ctx.runner.enqueue("backup", { siteId: wiki.id, params: { policyId: policy.id }, trigger: "api" });
      await t.ctx.runner.cancel(failed.id);
      const fromFailed = await call("POST", api(`/cloud/${dest.cloudId}/restores`), { backupId: String(failed.id), product: "CONFLUENCE" });
      assert.equal(fromFailed.status, 409, JSON.stringify(fromFailed.json));
      assert.equal(fromFailed.json.errors[0].key, "sluice.restore.not.restorable");
      const later = new BackupService({ store: t.ctx.store, runner: t.ctx.runner, storages: (t.ctx as Json).backups.deps.storages, config: t.ctx.config }, () => Date.now() + 30 * DAY);
      await later.expire();
      const fromExpired = await call("POST", api(`/cloud/${dest.cloudId}/restores`), { backupId, product: "CONFLUENCE" });
      assert.equal(fromExpired.status, 409);
      assert.match(fromExpired.json.errors[0].message, /is EXPIRED/);
      assert.match(fromFailed.json.errors[0].message, /is FAILED/);
      backupIds.clear();
    });
  });
}

function git(path: string, ...args: string[]): string {
  return execFileSync("git", ["-C", path, ...args], { encoding: "utf8", maxBuffer: 1 << 26 });
}

async function streamBytes(stream: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c);
  return Buffer.concat(chunks);
}

