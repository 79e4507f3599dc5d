#!/usr/bin/env node
// Compiles the SQLite extension that renders CSV records (native/sluice_csv.c) into dist/native/,
// against the SQLite headers better-sqlite3 ships. Without a C compiler the export still works:
// it renders rows in JavaScript instead (slower; see docs/benchmarks.md). CC picks the compiler.
import { existsSync, mkdirSync, statSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const source = "native/sluice_csv.c";
const ext = process.platform === "darwin" ? "dylib" : process.platform === "win32" ? "dll" : "so";
const target = join("dist", "native", `sluice_csv.${ext}`);

function skip(reason) {
  console.warn(`sluice: native CSV renderer not built (${reason}); exports from SQLite render rows in JavaScript instead.`);
  process.exit(0);
}

if (process.platform === "win32") skip("not supported on Windows yet");
let headers;
try {
  headers = join(dirname(createRequire(import.meta.url).resolve("better-sqlite3/package.json")), "deps", "sqlite3");
} catch {
  skip("better-sqlite3 is not installed");
}
if (!existsSync(join(headers, "sqlite3ext.h"))) skip(`no sqlite3ext.h in ${headers}`);
if (existsSync(target) && statSync(target).mtimeMs > statSync(source).mtimeMs) process.exit(0);
mkdirSync(dirname(target), { recursive: true });
const cc = process.env.CC || "cc";
const flags = ["-O2", "-fPIC", "-I", headers, "-o", target, source, "-lm"];
const r = spawnSync(cc, [...(process.platform === "darwin" ? ["-dynamiclib"] : ["-shared"]), ...flags], { stdio: "inherit" });
if (r.error) skip(`${cc}: ${r.error.message}`);
if (r.status !== 0) skip(`${cc} exited with ${r.status}`);
