/**
 * `sluice repo`: git repositories of a Bitbucket site, whose commits are exported from git.
 *   sluice repo add --site bitbucket --project KEY --name NAME [--origin ID] [--personal] <path>
 *   sluice repo list --site bitbucket
 *   sluice repo scan --site bitbucket --root <dir> [--mapping file.json]
 */
import { readFile } from "node:fs/promises";
import { Command, InvalidArgumentError } from "commander";
import type { Site, Store } from "../../store/port.js";
import { addRepository, listRepositories, scanRoot, type ScanMapping } from "../../sources/git/index.js";

export interface RepoCommandContext {
  openStore(): Promise<Store>;
  /** Where results are printed (default: stdout). */
  print?: (line: string) => void;
  /** Where errors are printed (default: stderr); the exit code is set to 1. */
  printError?: (line: string) => void;
}

export function repoCommand(ctx: RepoCommandContext): Command {
  const print = ctx.print ?? ((line: string) => void process.stdout.write(`${line}\n`));
  const printError = ctx.printError ?? ((line: string) => void process.stderr.write(`${line}\n`));

  /** Opens the store, finds the Bitbucket site, runs `fn`, closes the store; errors print as one line. */
  const withSite = async (siteKey: string, fn: (store: Store, site: Site) => Promise<void>) => {
    let store: Store | undefined;
    try {
      store = await ctx.openStore();
      const site = await findSite(store, siteKey);
      await fn(store, site);
    } catch (error) {
      printError(`sluice: ${error instanceof Error ? error.message : String(error)}`);
      process.exitCode = 1;
    } finally {
      await store?.close();
    }
  };

  const repo = new Command("repo").description(
    "Git repositories of a Bitbucket site: their commits are exported from git itself",
  );

  repo
    .command("add")
    .description("Register one git repository (bare, or the top of a working tree)")
    .requiredOption("--site <key>", "the Bitbucket site, by context path (bitbucket or /bitbucket)")
    .requiredOption("--project <key>", "project key (ABC), or ~user for a personal project")
    .requiredOption("--name <name>", "repository name (the slug is derived from it)")
    .option("--origin <id>", "id of the repository this one is a fork of", positiveInteger)
    .option("--personal", "the project is a personal project (~user)")
    .argument("<path>", "the repository directory")
    .action(async (path: string, opts: { site: string; project: string; name: string; origin?: number; personal?: boolean }) =>
      withSite(opts.site, async (store, site) => {
        const added = await addRepository(store, site, {
          projectKey: opts.project,
          name: opts.name,
          path,
          origin: opts.origin,
          personal: opts.personal,
        });
        print(`Added repository ${added.id}: ${added.projectKey}/${added.slug} at ${added.path}`);
      }),
    );

  repo
    .command("list")
    .description("List the repositories of a Bitbucket site with their git paths")
    .requiredOption("--site <key>", "the Bitbucket site, by context path")
    .action(async (opts: { site: string }) =>
      withSite(opts.site, async (store, site) => {
        const repos = await listRepositories(store, site);
        if (repos.length === 0) {
          print(`No repositories in site ${site.contextPath}.`);
          return;
        }
        const rows = repos.map((r) => [
          String(r.id),
          `${r.projectKey}/${r.slug}`,
          r.fork ? `fork of ${r.origin}` : "",
          r.path ?? "(no git data: commits from the store)",
        ]);
        for (const line of table([["ID", "REPOSITORY", "FORK", "PATH"], ...rows])) print(line);
      }),
    );

  repo
    .command("scan")
    .description("Register every git repository under a folder (project = first folder level, or a mapping)")
    .requiredOption("--site <key>", "the Bitbucket site, by context path")
    .requiredOption("--root <dir>", "the folder to scan")
    .option("--mapping <file>", 'JSON file: { "<relative path>": { "project": "KEY", "name": "…" } }')
    .action(async (opts: { site: string; root: string; mapping?: string }) =>
      withSite(opts.site, async (store, site) => {
        const mapping = opts.mapping ? await readMapping(opts.mapping) : undefined;
        const result = await scanRoot(store, site, opts.root, mapping);
        for (const r of result.added) print(`Added repository ${r.id}: ${r.projectKey}/${r.slug} at ${r.path}`);
        for (const s of result.skipped) print(`Skipped ${s.path}: ${s.reason}`);
        print(`${result.added.length} added, ${result.skipped.length} skipped.`);
      }),
    );

  return repo;
}

async function findSite(store: Store, key: string): Promise<Site> {
  const clean = key.replace(/^\/+|\/+$/g, "");
  const site = await store.sites.byKey(clean);
  if (!site) {
    const known = (await store.sites.list()).map((s) => s.contextPath).join(", ") || "none";
    throw new Error(`No site '${key}'. Sites: ${known}.`);
  }
  if (site.product !== "bitbucket") throw new Error(`Site ${site.contextPath} is a ${site.product} site, not Bitbucket`);
  return site;
}

async function readMapping(file: string): Promise<ScanMapping> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, "utf8"));
  } catch (error) {
    throw new Error(`Cannot read the mapping file ${file}: ${(error as Error).message}`, { cause: error });
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new Error(`The mapping file ${file} must hold an object: { "<relative path>": { "project": "KEY", "name": "…" } }`);
  }
  for (const [path, entry] of Object.entries(parsed)) {
    const e = entry as Record<string, unknown> | null;
    if (typeof e !== "object" || e === null || typeof e.project !== "string" || typeof e.name !== "string") {
      throw new Error(`The mapping file ${file}: entry "${path}" needs "project" and "name" strings`);
    }
  }
  return parsed as ScanMapping;
}

function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError("must be a repository id (a positive integer)");
  return n;
}

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join("  "));
}
