/**
 * `sluice sql`: SQL over a site's data from the command line, and PostgreSQL login roles for tools that
 * connect to the store directly.
 *   sluice sql --site wiki "SELECT space_key, count(*) FROM pages GROUP BY 1"     an aligned table
 *   sluice sql --site wiki --csv "SELECT * FROM pages" > pages.csv                CSV
 *   sluice sql --site wiki --as alice "SELECT count(*) FROM pages"                as a site user sees it
 *   sluice sql grant --site wiki --user alice                                     a login role for psql, pandas, BI tools
 *   sluice sql revoke --role wiki_alice
 *   sluice sql logins
 */
import { randomBytes } from "node:crypto";
import { Command } from "commander";
import type { Viewer } from "../../core/access.js";
import type { SqlColumn } from "../../core/sql-catalog.js";
import { siteBaseUrl } from "../../export/export-paths.js";
import { csvField } from "../../sql/result-stream.js";
import { SqlService } from "../../sql/sql-service.js";
import { action, commandContext, siteByKey, usage } from "../shared.js";

const print = (line: string) => process.stdout.write(`${line}\n`);
/** Rows read before the table's column widths are fixed (later rows are cut to them). */
const WIDTH_SAMPLE = 200;
const MAX_WIDTH = 60;

function cell(value: unknown): string {
  if (value === null || value === undefined) return "";
  const text = typeof value === "object" ? JSON.stringify(value) : String(value);
  return text.replace(/[\r\n\t]+/g, " ");
}

function fit(text: string, width: number, right: boolean): string {
  const cut = text.length > width ? `${text.slice(0, width - 1)}…` : text;
  return right ? cut.padStart(width) : cut.padEnd(width);
}

/** Prints rows as an aligned table, widths from the first rows, as they come. */
async function printTable(columns: SqlColumn[], batches: AsyncIterable<unknown[][]>): Promise<number> {
  const numeric = columns.map((c) => c.type === "integer" || c.type === "decimal");
  let widths: number[] | undefined;
  const sample: unknown[][] = [];
  let count = 0;
  const line = (row: unknown[]) => print(row.map((v, i) => fit(cell(v), widths![i]!, numeric[i]!)).join(" | ").trimEnd());
  const start = () => {
    widths = columns.map((c, i) => Math.min(MAX_WIDTH, Math.max(c.name.length, ...sample.map((r) => cell(r[i]).length))));
    print(columns.map((c, i) => fit(c.name, widths![i]!, numeric[i]!)).join(" | ").trimEnd());
    print(widths.map((w) => "-".repeat(w)).join("-+-"));
    for (const r of sample) line(r);
  };
  for await (const batch of batches) {
    for (const row of batch) {
      count++;
      if (widths) line(row);
      else {
        sample.push(row);
        if (sample.length === WIDTH_SAMPLE) start();
      }
    }
  }
  if (!widths) start();
  return count;
}

/** `--site` given before the subcommand's name is the parent's option (`sluice sql --site wiki grant …`). */
function parentSite(cmd: Command): string | undefined {
  return (cmd.parent?.opts())?.site;
}

function roleName(siteKey: string, user: string): string {
  return `${siteKey || "root"}_${user}`.toLowerCase().replace(/[^a-z0-9_]/g, "_").slice(0, 63);
}

export function sqlCommand(): Command {
  const sql = new Command("sql")
    .description("run one read-only SQL statement over a site's data (tables named like the export files), or manage PostgreSQL login roles")
    .argument("[statement]", "one SELECT, e.g. \"SELECT space_key, count(*) FROM pages GROUP BY 1\"")
    .option("-s, --site <key>", "site context path, e.g. wiki")
    .option("--csv", "print CSV instead of a table")
    .option("--as <user>", "run as this site user (their rows only) instead of as an administrator")
    .option("--max-rows <n>", "at most this many rows", (v) => Number(v))
    .option("--timeout <ms>", "stop the statement after this many milliseconds", (v) => Number(v))
    .option("--param <value...>", "values of $1, $2, … in order")
    .action(
      action(async (statement: string | undefined, opts: { site?: string; csv?: boolean; as?: string; maxRows?: number; timeout?: number; param?: string[] }, cmd: Command) => {
        if (!statement) throw usage('give a statement: sluice sql --site wiki "SELECT count(*) FROM pages"');
        if (!opts.site) throw usage("give the site: --site KEY (e.g. --site wiki).");
        for (const [name, v] of [["--max-rows", opts.maxRows], ["--timeout", opts.timeout]] as const) {
          if (v !== undefined && (!Number.isInteger(v) || v < 1)) throw usage(`${name} takes a positive whole number.`);
        }
        const ctx = await commandContext(cmd);
        try {
          const site = await siteByKey(ctx.store, opts.site);
          const service = new SqlService(ctx.store, ctx.access, ctx.config, ctx.sources);
          const viewer: Viewer = opts.as ? { all: false, user: (await ctx.access.userExists(site, opts.as)) ? opts.as : null } : { all: true };
          const started = Date.now();
          const rows = await service.run(site, viewer, { sql: statement, params: opts.param ?? [], maxRows: opts.maxRows, timeoutMs: opts.timeout, context: "api" }, new AbortController().signal);
          if (opts.csv) {
            print(rows.columns.map((c) => csvField(c.name)).join(","));
            for await (const batch of rows.batches) {
              let chunk = "";
              for (const row of batch) chunk += `${row.map(csvField).join(",")}\r\n`;
              process.stdout.write(chunk);
            }
          } else {
            await printTable(rows.columns, rows.batches);
          }
          const { rowCount, truncated } = rows.summary();
          process.stderr.write(`(${rowCount} row${rowCount === 1 ? "" : "s"}${truncated ? ", truncated at the row limit" : ""}, ${Date.now() - started} ms)\n`);
        } finally {
          await ctx.close();
        }
      }),
    );

  sql
    .command("grant")
    .description("create or update a PostgreSQL login role that sees one site's views as one site user (PostgreSQL store only)")
    .option("-s, --site <key>", "site context path, e.g. wiki")
    .requiredOption("--user <name>", "the site user whose access rules the role gets")
    .option("--role <name>", "the role's name (default <site>_<user>)")
    .action(
      action(async (opts: { site?: string; user: string; role?: string }, cmd: Command) => {
        const siteKey = opts.site ?? parentSite(cmd);
        if (siteKey === undefined) throw usage("give the site: --site KEY (e.g. --site wiki).");
        const ctx = await commandContext(cmd);
        try {
          const site = await siteByKey(ctx.store, siteKey);
          if (!(await ctx.access.userExists(site, opts.user))) throw usage(`site ${site.contextPath} has no user '${opts.user}'.`);
          const role = opts.role ?? roleName(site.key, opts.user);
          if (!/^[a-z_][a-z0-9_]{0,62}$/.test(role)) throw usage("--role: lower-case letters, digits and _, starting with a letter or _, at most 63.");
          const password = randomBytes(18).toString("base64url");
          await ctx.store.sql.grantLogin({ role, siteId: site.id, siteUser: opts.user }, { siteId: site.id, siteKey: site.key, product: site.product, instanceUrl: siteBaseUrl(ctx.config, site) }, password);
          const url = ctx.config.store.kind === "postgres" ? new URL(ctx.config.store.url) : undefined;
          if (url) {
            url.username = role;
            url.password = password;
          }
          print(`Role ${role} sees ${site.contextPath} as ${opts.user} (their spaces, projects and repositories only), read-only.`);
          print(`Password (shown once): ${password}`);
          if (url) print(`Connect:  psql "${url.toString()}"`);
        } finally {
          await ctx.close();
        }
      }),
    );

  sql
    .command("revoke")
    .description("drop a login role made by 'sluice sql grant'")
    .option("--role <name>", "the role")
    .option("-s, --site <key>", "with --user: the default role name's site")
    .option("--user <name>", "with --site: the default role name's user")
    .action(
      action(async (opts: { role?: string; site?: string; user?: string }, cmd: Command) => {
        const siteKey = opts.site ?? parentSite(cmd);
        const role = opts.role ?? (siteKey !== undefined && opts.user ? roleName(siteKey.replace(/^\/+|\/+$/g, ""), opts.user) : undefined);
        if (!role) throw usage("give --role NAME, or --site KEY --user NAME.");
        const ctx = await commandContext(cmd);
        try {
          const dropped = await ctx.store.sql.revokeLogin(role);
          if (!dropped) throw usage(`no login role '${role}' was made by 'sluice sql grant'.`);
          print(`Role ${role} dropped.`);
        } finally {
          await ctx.close();
        }
      }),
    );

  sql
    .command("logins")
    .description("the login roles made by 'sluice sql grant'")
    .action(
      action(async (_opts: unknown, cmd: Command) => {
        const ctx = await commandContext(cmd);
        try {
          const sites = new Map((await ctx.store.sites.list()).map((s) => [s.id, s.contextPath]));
          for (const l of await ctx.store.sql.listLogins()) print(`${l.role.padEnd(32)} ${String(sites.get(l.siteId) ?? l.siteId).padEnd(12)} ${l.siteUser}`);
        } finally {
          await ctx.close();
        }
      }),
    );
  return sql;
}
