/**
 * kill -9 during a restore (issue 16), on both stores: a second process runs the restore; it is killed
 * while rows are being loaded. On restart the restore is FAILED and the destination holds exactly the
 * rows it had before (compared row for row); the staging rows are swept; a new restore then completes.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { after, before, describe, test } from "node:test";
import { createContext } from "../src/app/context.js";
import { loadConfig } from "../src/config.js";
import { accessEntitiesOf, attachmentEntityOf, entitiesOf, type EntityDef } from "../src/core/entities/registry.js";
import { createLogger } from "../src/logger.js";
import { stagingSiteId } from "../src/backup/restore/restore-kind.js";
import { createSite } from "../src/sites/site-service.js";
import type { Site } from "../src/store/port.js";
import { startTestApp, type TestApp } from "./support/app.js";
import { STORE_KINDS } from "./support/stores.js";

type Json = any;

interface ChildArgs {
  config: Record<string, unknown>;
  orgId: string;
  cloudId: string;
  restoreId: string;
}

async function child(): Promise<void> {
  const args = JSON.parse(process.env.SLUICE_RESTORE_CHILD!) as ChildArgs;
  const config = loadConfig({ env: {}, cwd: String(args.config.home), overrides: args.config });
  const ctx = await createContext(config, { logger: createLogger("silent") });
  // The kill -9 comes at a known point: after the 10th batch of rows loaded into the staging area.
  const data = ctx.store.data;
  const upsert = data.upsert.bind(data);
  let staged = 0;
  data.upsert = async (siteId, def, rows) => {
    await upsert(siteId, def, rows);
    if (siteId < 0 && ++staged === 10) process.kill(process.pid, "SIGKILL");
  };
  const state = await ctx.restores.revalidate(args.orgId, args.cloudId, { restoreId: args.restoreId, consent: ["Consent_Conflicting_Space_Check"] });
  process.stdout.write(`started ${state.restore.jobId}\n`);
  await ctx.runner.dispatch();
  await new Promise(() => undefined);
}

if (process.env.SLUICE_RESTORE_CHILD) {
  await child();
} else {
  for (const kind of STORE_KINDS) {
    describe(`restore killed with -9 (${kind})`, () => {
      let t: TestApp;
      let orgId: string;
      const call = async (method: string, url: string, body?: unknown): Promise<{ status: number; json: Json }> => {
        const res = await t.app.inject({ method: method as "GET", url, headers: t.auth, ...(body !== undefined ? { payload: body as object } : {}) });
        return { status: res.statusCode, json: res.body ? res.json() : null };
      };
      const api = (path: string) => `/rest/backup/v1/orgs/${orgId}${path}`;
      const until = async <T>(what: string, fn: () => Promise<T | undefined>, ms = 120_000): Promise<T> => {
        const end = Date.now() + ms;
        for (;;) {
          const v = await fn();
          if (v !== undefined) return v;
          if (Date.now() > end) throw new Error(`timed out: ${what}`);
          await new Promise((r) => setTimeout(r, 20));
        }
      };
      const rows = async (siteId: number, def: EntityDef): Promise<string[]> => {
        const snapshot = await t.ctx.store.data.snapshot(siteId);
        const out: string[] = [];
        try {
          for await (const batch of snapshot.rows(def, 2000)) for (const row of batch) out.push(JSON.stringify(row.map((v) => (Buffer.isBuffer(v) ? v.toString("utf8") : v instanceof Date ? v.toISOString() : v))));
        } finally {
          await snapshot.close();
        }
        return out;
      };
      const defs = [...entitiesOf("confluence"), ...accessEntitiesOf("confluence"), attachmentEntityOf("confluence")!];
      const everyRow = async (site: Site) => Object.fromEntries(await Promise.all(defs.map(async (d) => [d.name, await rows(site.id, d)] as const)));

      before(async () => {
        // Big enough that loading takes a while (about 46,000 rows).
        t = await startTestApp({ store: kind, scale: 10, config: { backup: { cadenceDays: 0 } } });
        orgId = (await call("GET", "/rest/backup/v1/orgs")).json.values[0].orgId;
      });
      after(async () => {
        await t?.close();
      });

      test("on restart the restore is FAILED and the destination holds exactly its rows from before", async () => {
        const wiki = (await t.ctx.store.sites.byKey("wiki"))!;
        const policy = (await call("POST", api(`/cloud/${wiki.cloudId}/policies`), { product: "CONFLUENCE", includeAttachments: true })).json;
        const backup = (await call("POST", api("/backups"), { policyId: policy.policyId, cloudId: wiki.cloudId })).json;
        await until("backup", async () => {
          await t.ctx.runner.dispatch();
          const b = (await call("GET", api(`/backups/${backup.backupId}`))).json;
          return b.status === "IN_PROGRESS" ? undefined : b;
        });
        // The destination has data of its own: one space of the backup.
        const dest = await createSite(t.ctx.store, { product: "confluence", contextPath: "/wiki-dest" }, "ready");
        const spaceKey = (await t.ctx.store.data.distinct(wiki.id, defs.find((d) => d.name === "spaces")!, ["space_key"], { column: "space_key", contains: "" }, 1))[0]!.space_key as string;
        const first = (await call("POST", api(`/cloud/${dest.cloudId}/restores`), { backupId: backup.backupId, product: "CONFLUENCE", includeUsersAndGroups: false, scopes: [spaceKey] })).json;
        await until("the first restore", async () => {
          await t.ctx.runner.dispatch();
          const r = (await call("GET", api(`/restores/${first.restoreId}`))).json;
          return r.status === "IN_PROGRESS" ? undefined : r;
        });
        const beforeRows = await everyRow(dest);
        assert.ok(beforeRows.pages!.length > 0);

        const whole = (await call("POST", api(`/cloud/${dest.cloudId}/restores`), { backupId: backup.backupId, product: "CONFLUENCE", includeUsersAndGroups: false, includeAttachments: true })).json;
        assert.equal(whole.status, "AWAITING_CONSENT");
        const proc = spawn(process.execPath, [fileURLToPath(import.meta.url)], {
          env: { ...process.env, NODE_TEST_CONTEXT: "", SLUICE_RESTORE_CHILD: JSON.stringify({ config: { home: t.ctx.config.home, store: t.ctx.config.store, nodeId: t.ctx.config.nodeId, baseUrl: t.ctx.config.baseUrl, logLevel: "silent", demo: { enabled: false } }, orgId, cloudId: dest.cloudId, restoreId: whole.restoreId } satisfies ChildArgs) },
          stdio: ["ignore", "pipe", "inherit"],
        });
        const exited = new Promise<void>((r) => proc.once("exit", () => r()));
        const jobId = await new Promise<number>((resolve, reject) => {
          let seen = "";
          proc.stdout.on("data", (c: Buffer) => {
            seen += c.toString();
            const m = /started (\d+)/.exec(seen);
            if (m) resolve(Number(m[1]));
          });
          proc.once("exit", (code) => reject(new Error(`the child exited (${code}): ${seen}`)));
        });
        // The child kills itself (-9) while it loads rows into the staging area.
        await exited;
        assert.equal(proc.signalCode, "SIGKILL");
        assert.equal((await t.ctx.store.jobs.get(jobId))!.status, "STARTED", "nothing marked it ended: it died");
        let staged = 0;
        for (const def of defs) staged += await t.ctx.store.data.count(stagingSiteId(jobId), def);
        assert.ok(staged > 0, "rows were staged when it died");

        // Restart: the dead process's restore is FAILED; the destination is exactly as it was.
        await t.ctx.runner.recoverLost();
        const failed = (await call("GET", api(`/restores/${whole.restoreId}`))).json;
        assert.equal(failed.status, "FAILED", JSON.stringify(failed));
        assert.equal(failed.error.key, "restore.node.lost");
        assert.deepEqual(await everyRow(dest), beforeRows);
        let left = 0;
        for (const def of defs) left += await t.ctx.store.data.count(stagingSiteId(jobId), def);
        assert.equal(left, 0, "the staging rows were swept");

        // The same restore asked again completes, the space the destination had skipped.
        const again = (await call("POST", api(`/cloud/${dest.cloudId}/restores`), { backupId: backup.backupId, product: "CONFLUENCE", includeUsersAndGroups: false, includeAttachments: true })).json;
        await call("POST", api(`/cloud/${dest.cloudId}/restores/revalidate`), { restoreId: again.restoreId, consent: ["Consent_Conflicting_Space_Check"] });
        const done = await until("the new restore", async () => {
          await t.ctx.runner.dispatch();
          const r = (await call("GET", api(`/restores/${again.restoreId}`))).json;
          return r.status === "IN_PROGRESS" ? undefined : r;
        });
        assert.equal(done.status, "COMPLETE", JSON.stringify(done));
        assert.equal((await everyRow(dest)).spaces!.length, (await rows(wiki.id, defs.find((d) => d.name === "spaces")!)).length);
      });
    });
  }
}
