#!/usr/bin/env node
// The `sluice` command: runs the compiled CLI (built by `npm install` through the `prepare` script).
import { main } from "../dist/src/cli/main.js";

main(process.argv).catch((error) => {
  process.stderr.write(`sluice: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
