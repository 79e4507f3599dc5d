#!/usr/bin/env node
// Compiles Sluice's SQLite extensions into dist/native/, against the SQLite headers better-sqlite3
// ships: native/sluice_csv.c (renders CSV records; without it exports from SQLite render rows in
// JavaScript instead, slower — see docs/benchmarks.md) and native/sluice_sql.c (the engine guard user
// SQL needs on SQLite; without it `/rest/sql` answers that SQL needs a C compiler at install time).
// CC picks the compiler.
import { existsSync, mkdirSync, statSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const EXTENSIONS = [
  { source: "native/sluice_csv.c", name: "sluice_csv", without: "exports from SQLite render rows in JavaScript instead" },
  { source: "native/sluice_sql.c", name: "sluice_sql", without: "SQL queries on the embedded store are refused" },
];
const ext = process.platform === "darwin" ? "dylib" : process.platform === "win32" ? "dll" : "so";

function skip(reason) {
  for (const e of EXTENSIONS) console.warn(`sluice: native ${e.name} not built (${reason}); ${e.without}.`);
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
const cc = process.env.CC || "cc";
for (const { source, name, without } of EXTENSIONS) {
  const target = join("dist", "native", `${name}.${ext}`);
  if (existsSync(target) && statSync(target).mtimeMs > statSync(source).mtimeMs) continue;
  mkdirSync(dirname(target), { recursive: true });
  const flags = ["-O2", "-fPIC", "-Wall", "-I", headers, "-o", target, source, "-lm"];
  const r = spawnSync(cc, [...(process.platform === "darwin" ? ["-dynamiclib"] : ["-shared"]), ...flags], { stdio: "inherit" });
  const failure = r.error ? `${cc}: ${r.error.message}` : r.status !== 0 ? `${cc} exited with ${r.status}` : undefined;
  if (failure) console.warn(`sluice: native ${name} not built (${failure}); ${without}.`);
}
