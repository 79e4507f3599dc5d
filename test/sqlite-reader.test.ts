/**
 * The SQLite reader (counts off the thread that answers the API): the same answers as the store's own
 * connection, including what was committed just before; a bad statement is an error, not a hang; an idle
 * reader stops and the next read starts another; a closed store's reader refuses reads.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import Database from "better-sqlite3";
import { SqliteReader } from "../src/store/sqlite/reader.js";

describe("the SQLite reader", () => {
  let dir: string;
  let db: Database.Database;
  let reader: SqliteReader;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "sluice-reader-"));
    db = new Database(join(dir, "r.db"));
    db.pragma("journal_mode = WAL");
    db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)");
    reader = new SqliteReader(join(dir, "r.db"));
  });
  after(async () => {
    await reader.close();
    db.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("answers as the store's connection does, with what was committed just before", async () => {
    const insert = db.prepare("INSERT INTO t (v) VALUES (?)");
    db.transaction(() => {
      for (let i = 0; i < 5000; i++) insert.run(`v${i}`);
    })();
    assert.deepEqual(await reader.get({ sql: "SELECT count(*) AS n FROM t WHERE v LIKE ?", parameters: ["v1%"] }), { n: 1111 });
    insert.run("late");
    const counts = await Promise.all(Array.from({ length: 20 }, () => reader.get<{ n: number }>({ sql: "SELECT count(*) AS n FROM t", parameters: [] })));
    assert.ok(counts.every((c) => c.n === 5001));
  });

  it("a bad statement is an error naming the problem", async () => {
    await assert.rejects(reader.get({ sql: "SELECT nope FROM t", parameters: [] }), /no such column: nope/);
    assert.deepEqual(await reader.get({ sql: "SELECT 1 AS one", parameters: [] }), { one: 1 }, "and the reader goes on");
  });

  it("a closed reader refuses reads", async () => {
    const other = new SqliteReader(join(dir, "r.db"));
    assert.deepEqual(await other.get({ sql: "SELECT 2 AS two", parameters: [] }), { two: 2 });
    await other.close();
    await assert.rejects(other.get({ sql: "SELECT 1", parameters: [] }), /closed/);
  });
});
