/**
 * Files with people's data are the owner's alone: Sluice's home is 0700 and the store with its journal
 * files 0600, whatever the umask (0022, 0000) and whatever mode a home or store had before; export files
 * are created 0600 (0700 folders).
 */
import assert from "node:assert/strict";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { openStore } from "../src/app/context.js";
import { loadConfig } from "../src/config.js";
import { FileSink } from "../src/writers/file-sink.js";

const mode = (path: string) => statSync(path).mode & 0o777;

describe("file modes whatever the umask", () => {
  const root = mkdtempSync(join(tmpdir(), "sluice-modes-"));
  const before = process.umask();
  after(() => {
    process.umask(before);
    rmSync(root, { recursive: true, force: true });
  });

  for (const umask of [0o022, 0o000]) {
    const label = umask.toString(8).padStart(4, "0");
    it(`umask ${label}: a home that existed as 0755 becomes 0700; the store and its -wal/-shm are 0600`, async () => {
      process.umask(umask);
      const home = join(root, `home-${label}`);
      mkdirSync(home, { mode: 0o755 });
      chmodSync(home, 0o755);
      const config = loadConfig({ env: {}, cwd: root, overrides: { home, demo: { enabled: false } } });
      const store = await openStore(config);
      try {
        await store.accounts.ensureAccount("probe", "Probe", false); // a write: the WAL exists
        assert.equal(mode(home), 0o700, "home");
        for (const file of ["sluice.db", "sluice.db-wal", "sluice.db-shm"]) assert.equal(mode(join(home, file)), 0o600, file);
      } finally {
        await store.close();
      }
    });

    it(`umask ${label}: a store left world-readable by an earlier version is made 0600 when opened`, async () => {
      process.umask(umask);
      const home = join(root, `old-${label}`);
      mkdirSync(home, { mode: 0o755 });
      const config = loadConfig({ env: {}, cwd: root, overrides: { home, demo: { enabled: false } } });
      await (await openStore(config)).close();
      for (const file of ["sluice.db", "sluice.db-wal", "sluice.db-shm"]) {
        writeFileSync(join(home, file), "", { flag: "a" });
        chmodSync(join(home, file), 0o644);
      }
      const store = await openStore(config);
      try {
        for (const file of ["sluice.db", "sluice.db-wal", "sluice.db-shm"]) assert.equal(mode(join(home, file)), 0o600, file);
      } finally {
        await store.close();
      }
    });

    it(`umask ${label}: an exported file is 0600`, async () => {
      process.umask(umask);
      const dir = join(root, `export-${label}`);
      mkdirSync(dir, { mode: 0o700 });
      const sink = await FileSink.open(dir, "pages.csv");
      await sink.write(Buffer.from("a,b\r\n"));
      await sink.complete();
      assert.equal(mode(join(dir, "pages.csv")), 0o600);
      assert.equal(mode(dir), 0o700);
    });
  }
});
