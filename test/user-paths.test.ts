/**
 * Paths from users are confined by their real path: a symlink into /proc is refused within a second
 * (it used to spin a core in a recursive mkdir), a symlink under an allowed root cannot lead out of it,
 * `/` and system folders are refused, and a link that stays inside is accepted as its real path.
 */
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { realPathOf } from "../src/files/user-paths.js";
import { startTestApp, type TestApp } from "./support/app.js";

const P = "data-pipeline.api.rest.config.export.path";
const URL_ = "/wiki/rest/datapipeline/latest/config/export-path";

interface ErrorBody {
  statusCode: number;
  message: string;
  errors: { key: string; message: string }[];
}

describe("paths from users are confined by their real path", () => {
  let scratch: string;
  let allowed: string;
  let outside: string;
  let open: TestApp;
  let confined: TestApp;

  before(async () => {
    scratch = await mkdtemp(join(tmpdir(), "sluice-paths-"));
    allowed = join(scratch, "allowed");
    outside = join(scratch, "outside");
    await mkdir(allowed);
    await mkdir(outside);
    await symlink("/proc/self", join(scratch, "to-proc"));
    await symlink(outside, join(allowed, "escape"));
    await mkdir(join(allowed, "real"));
    await symlink(join(allowed, "real"), join(allowed, "alias"));
    await symlink("/etc", join(scratch, "to-etc"));
    open = await startTestApp({ seed_demo: true });
    confined = await startTestApp({ seed_demo: true, config: { allowedExportPathRoots: [allowed] } });
  });
  after(async () => {
    await open?.close();
    await confined?.close();
    await rm(scratch, { recursive: true, force: true });
  });

  async function put(t: TestApp, path: string): Promise<{ statusCode: number; body: string; ms: number }> {
    const t0 = Date.now();
    const res = await t.app.inject({
      method: "PUT",
      url: URL_,
      headers: { ...t.auth, "content-type": "application/json", "x-atlassian-token": "no-check" },
      payload: JSON.stringify({ path }),
    });
    return { statusCode: res.statusCode, body: res.body, ms: Date.now() - t0 };
  }

  function refused(res: { statusCode: number; body: string }, pattern: RegExp): void {
    assert.equal(res.statusCode, 400, res.body);
    const body = JSON.parse(res.body) as ErrorBody;
    assert.equal(body.errors[0]!.key, `${P}.not.writable`);
    assert.match(body.errors[0]!.message, pattern);
  }

  it("a symlink into /proc is answered 400 within a second, and nothing is created there", async () => {
    const res = await put(open, join(scratch, "to-proc", "exports"));
    refused(res, /really \/proc\/\d+\/exports, a system folder/);
    assert.ok(res.ms < 1000, `answered in ${res.ms} ms`);
  });

  it("/ and system folders are refused, directly or through a link", async () => {
    refused(await put(open, "/"), /a system folder/);
    refused(await put(open, "/etc/sluice"), /a system folder/);
    refused(await put(open, "/usr/local/sluice"), /a system folder/);
    refused(await put(open, join(scratch, "to-etc", "sluice")), /really \/etc\/sluice, a system folder/);
  });

  it("a symlink under an allowed root that leads out of it is refused; one that stays inside is kept as its real path", async () => {
    refused(await put(confined, join(allowed, "escape", "x")), /really .*outside\/x\) is not inside one of the allowed roots/);
    refused(await put(confined, outside), /is not inside one of the allowed roots/);
    const ok = await put(confined, join(allowed, "alias", "exports"));
    assert.equal(ok.statusCode, 200, ok.body);
    assert.equal((JSON.parse(ok.body) as { rootExportPath: string }).rootExportPath, join(allowed, "real", "exports", "data-pipeline", "export"));
  });

  it("the real path of a folder that does not exist yet is its deepest existing folder's, resolved, and the rest", async () => {
    assert.equal(await realPathOf(join(allowed, "alias", "a", "b")), join(allowed, "real", "a", "b"));
    assert.equal(await realPathOf("/"), "/");
  });
});
