/**
 * The house rules, as part of `npm test`: ESLint with typescript-eslint's type-checked rules (floating
 * and misused promises, consistent type imports, `src/core/` free of I/O) and dependency-cruiser's graph
 * rules (no import circle, type-only imports included; connectors never import the sync engine; stores
 * never import what stands on them). The same commands run by hand: `npm run lint`.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, it } from "node:test";
import { REPO_ROOT } from "./support/server.js";

function run(bin: string, args: string[]): { status: number | null; output: string } {
  const r = spawnSync(process.execPath, [join(REPO_ROOT, "node_modules", ...bin.split("/")), ...args], {
    cwd: REPO_ROOT,
    encoding: "utf8",
    maxBuffer: 64 << 20,
  });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

describe("house rules", () => {
  it("ESLint finds no problem (type-checked rules, core free of I/O)", () => {
    const r = run("eslint/bin/eslint.js", [".", "--max-warnings", "0"]);
    assert.equal(r.status, 0, r.output);
  });

  it("dependency-cruiser finds no import circle and no import against the layers", () => {
    const r = run("dependency-cruiser/bin/dependency-cruise.mjs", ["src", "bench", "test", "--config", ".dependency-cruiser.cjs"]);
    assert.equal(r.status, 0, r.output);
    assert.match(r.output, /no dependency violations found/);
  });
});
