/**
 * A sync killed with SIGKILL half-way resumes from its checkpoint and ends with no duplicate and no gap.
 * The child process is this file run with SLUICE_SYNC_CHILD set: it syncs against the parent's replay
 * server and reports each committed batch on stdout.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, test } from "node:test";
import { entity } from "../src/core/entities/registry.js";
import { runSync } from "../src/sync/run-sync.js";
import { CHECKPOINT_KEY, type CheckpointState } from "../src/sync/run-state.js";
import { generatedJiraCloud, ReplayServer } from "./support/replay-server.js";
import { openStoreAt, openTestStore, STORE_KINDS, type StoreKind } from "./support/stores.js";

const ISSUES = 300;
const HISTORIES = 3;

async function child(): Promise<void> {
  const at = JSON.parse(process.env.SLUICE_SYNC_STORE!) as { kind: StoreKind; url: string };
  const store = await openStoreAt(at.kind, at.url);
  const site = (await store.sites.byKey("jira-kill"))!;
  await runSync({
    store,
    site,
    env: { SLUICE_SECRET_KILL: "t" },
    afterBatch: async (stream, batches) => {
      if (stream !== "issues") return;
      process.stdout.write(`batch ${batches}\n`);
      // The parent kills at batch 5, wherever the child is by then; past batch 6 it waits to be killed,
      // so that a slow machine cannot let it finish first.
      await new Promise((r) => setTimeout(r, batches >= 6 ? 60_000 : 20));
    },
  });
  process.stdout.write("done\n");
  await store.close();
}

if (process.env.SLUICE_SYNC_CHILD) {
  await child();
} else {
  for (const kind of STORE_KINDS) describe(`sync killed with SIGKILL (${kind})`, () => {
    test("resumes from its checkpoint with no duplicate and no gap", async () => {
      const t = await openTestStore(kind);
      const server = new ReplayServer();
      try {
        const base = await server.start();
        server.handle(generatedJiraCloud({ issues: ISSUES, histories: HISTORIES }));
        const store = t.store;
        await store.sites.ensureOrganisation("demo-org", "Demo");
        const site = await store.sites.create("demo-org", { product: "jira", contextPath: "/jira-kill", baseUrl: "http://localhost/jira-kill" });
        await store.settings.set(site.id, "source", { kind: "jira-cloud", url: base, email: "kill@acme.com", tokenEnv: "SLUICE_SECRET_KILL", pageSize: 20, requestsPerSecond: 0 });

        const proc = spawn(process.execPath, [fileURLToPath(import.meta.url)], {
          env: { ...process.env, SLUICE_SYNC_CHILD: "1", SLUICE_SYNC_STORE: JSON.stringify({ kind, url: t.url }), NODE_TEST_CONTEXT: "" },
          stdio: ["ignore", "pipe", "inherit"],
        });
        const killedAt = await new Promise<number>((resolve, reject) => {
          let seen = "";
          proc.stdout.on("data", (chunk: Buffer) => {
            seen += chunk.toString();
            const batches = [...seen.matchAll(/batch (\d+)\n/g)].map((m) => Number(m[1]));
            const last = batches[batches.length - 1] ?? 0;
            if (last >= 5) {
              proc.kill("SIGKILL");
              resolve(last);
            }
            if (seen.includes("done")) reject(new Error("the child finished before it was killed"));
          });
          proc.on("error", reject);
          proc.on("exit", (code) => reject(new Error(`the child exited (${code}) before it was killed`)));
        });
        await new Promise((r) => proc.once("exit", r));
        assert.ok(killedAt >= 5);

        const issuesDef = entity("jira", "issues");
        const partial = await store.data.count(site.id, issuesDef);
        assert.ok(partial > 0 && partial < ISSUES, `${partial} issues stored before the kill`);
        const cp = await store.settings.get<CheckpointState>(site.id, CHECKPOINT_KEY);
        const next = cp?.streams.issues?.next;
        assert.match(String(next), /^o\d+$/);

        const before = server.requests.length;
        const run = await runSync({ store, site, env: { SLUICE_SECRET_KILL: "t" } });
        assert.equal(run.status, "SUCCEEDED");
        const resumed = server.requests.slice(before).filter((r) => r.path === "/rest/api/3/search/jql");
        assert.equal(resumed[0]!.query.get("nextPageToken"), next, "the resumed sync starts at the checkpoint's page");
        assert.ok(run.counts.issues! <= ISSUES - partial + 20, `re-read at most one page: ${run.counts.issues}`);

        assert.equal(await store.data.count(site.id, issuesDef), ISSUES);
        assert.equal(await store.data.count(site.id, entity("jira", "issue_history")), ISSUES * HISTORIES);
        const ids: number[] = [];
        for await (const keys of store.data.keys(site.id, issuesDef, 1000)) for (const k of keys) ids.push(Number(k[0]));
        assert.deepEqual(ids, Array.from({ length: ISSUES }, (_, i) => 100000 + i));
      } finally {
        await server.stop();
        await t.cleanup();
      }
    });
  });
}
