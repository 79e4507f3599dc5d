/**
 * The object graph, wired once: config → store → sources → export service. Entry points (server,
 * CLI commands) create a context and pass it down; nothing is a module singleton.
 */
import type { Config } from "../config.js";
import { sqlitePath } from "../config.js";
import { ExportService } from "../jobs/export-service.js";
import { createLogger, type Logger } from "../logger.js";
import type { Source } from "../sources/port.js";
import { gitSource } from "../sources/git/index.js";
import { connectorSource } from "../sync/connector-source.js";
import { openPostgresStore } from "../store/postgres/index.js";
import { openSqliteStore } from "../store/sqlite/index.js";
import type { Store } from "../store/port.js";

export interface AppContext {
  config: Config;
  store: Store;
  logger: Logger;
  sources: Source[];
  exports: ExportService;
  close(): Promise<void>;
}

export async function openStore(config: Config): Promise<Store> {
  if (config.store.kind === "postgres") return openPostgresStore(config.store.url);
  return openSqliteStore(sqlitePath(config));
}

/** Sources that concern sites: each adds readiness checks and may read entities itself. */
export function createSources(store: Store): Source[] {
  const sources: Source[] = [];
  sources.push(gitSource(store), connectorSource(store));
  return sources;
}

export async function createContext(config: Config, options: { logger?: Logger } = {}): Promise<AppContext> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const store = await openStore(config);
  const sources = createSources(store);
  const exports = new ExportService({ config, store, sources, logger });
  return {
    config,
    store,
    logger,
    sources,
    exports,
    async close() {
      await exports.shutdown(config.shutdownGraceSeconds * 1000);
      await store.close();
    },
  };
}
