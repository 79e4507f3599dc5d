#!/usr/bin/env node
// Builds the web console (web/) with Vite into web/dist when it exists; a no-op otherwise.
import { existsSync } from "node:fs";
import { spawnSync } from "node:child_process";

if (!existsSync("web/vite.config.ts") && !existsSync("web/vite.config.js")) process.exit(0);
const r = spawnSync(process.execPath, ["node_modules/vite/bin/vite.js", "build", "web", "--logLevel", "warn"], { stdio: "inherit" });
process.exit(r.status ?? 1);
