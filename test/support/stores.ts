/**
 * Opens a store of either kind for a test, so that a test file can run its cases against SQLite and
 * PostgreSQL alike. One PostgreSQL cluster is started lazily per test file (per process) and shared by
 * every store the file opens, each in its own database; it stops when the process exits its tests.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after } from "node:test";
import pg from "pg";
import type { Store } from "../../src/store/port.js";
import { openPostgresStore } from "../../src/store/postgres/index.js";
import { openSqliteStore } from "../../src/store/sqlite/index.js";
import { startPostgres, type TestPostgres } from "./postgres.js";

export const STORE_KINDS = ["sqlite", "postgres"] as const;
export type StoreKind = (typeof STORE_KINDS)[number];

export interface TestStore {
  store: Store;
  /** The SQLite file path or the PostgreSQL url (open a second store on it to act as another node). */
  url: string;
  cleanup(): Promise<void>;
}

let server: Promise<TestPostgres> | undefined;

// Registered at import, on the root of the file's tests: runs after the file's last test.
after(async () => {
  const s = await server?.catch(() => undefined);
  await s?.stop();
});

/** The file's shared server, started on first use. */
function sharedPostgres(): Promise<TestPostgres> {
  server ??= startPostgres();
  return server;
}

/** An empty database on the file's shared PostgreSQL server (for migration tests). */
export async function emptyPostgresDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  return freshDatabase((await sharedPostgres()).url);
}

/** A second store on the same file or database: another process or node, as far as the store can tell. */
export async function openStoreAt(kind: StoreKind, url: string): Promise<Store> {
  return kind === "sqlite" ? openSqliteStore(url) : openPostgresStore(url);
}

async function freshDatabase(serverUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `store_${randomBytes(6).toString("hex")}`;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: serverUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

export async function openTestStore(kind: StoreKind): Promise<TestStore> {
  if (kind === "sqlite") {
    const dir = await mkdtemp(join(tmpdir(), "sluice-store-"));
    const file = join(dir, "sluice.db");
    const store = openSqliteStore(file);
    return {
      store,
      url: file,
      async cleanup() {
        await store.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  }
  const pgServer = await sharedPostgres();
  const db = await freshDatabase(pgServer.url);
  const store = await openPostgresStore(db.url);
  return {
    store,
    url: db.url,
    async cleanup() {
      await store.close();
      await db.drop();
    },
  };
}
