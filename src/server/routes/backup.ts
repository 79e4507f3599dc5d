/**
 * The organisation's backup API under `/rest/backup/v1` (spec §2): discovery (orgs, sites), storage
 * regions, storages, policies, backups and their verification, exports to and imports from external
 * storages, restores with their checks, consents and post-operation reports. Organisation administrators
 * (system administrators) may do everything; a site administrator (a `SITE` grant) only what concerns the
 * sites they administer (`backup/backup-access.ts`); anyone else gets 403.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import type { AppContext } from "../../app/context.js";
import type { Job } from "../../core/job.js";
import { backupStatus, keptLocalCopy, PRODUCT_NAMES, productOf, transferStatus, type BackupService } from "../../backup/backup-service.js";
import type { BackupResult } from "../../backup/backup-kind.js";
import { retentionSchema } from "../../backup/retention.js";
import type { BackupPolicy, BackupStorage, Site } from "../../store/port.js";
import { siteBaseUrl } from "../../export/export-paths.js";
import { contractRoute, type Contract, type Input } from "../contract-route.js";
import { allows, BackupAccess, type Administered } from "../../backup/backup-access.js";
import type { Account } from "../../store/port.js";
import type { RestoreState } from "../../backup/restore/restore-service.js";
import type { RestoreReport } from "../../backup/restore/restore-kind.js";
import { consented } from "../../backup/restore/restore-checks.js";

const tags = ["Backup & restore"];
const code = "sluice.backup.invalid" as const;
const idText = z.string().min(1).max(100).regex(/^[A-Za-z0-9._:-]+$/, "an id");
const org = z.object({ orgId: idText });
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const product = z.enum(["JIRA", "CONFLUENCE", "BITBUCKET"]);

export function storageView(s: BackupStorage) {
  return { storageId: s.id, storageName: s.name, storageRegion: s.region, storagePrefix: s.prefix, storageType: s.type, createdTime: iso(s.createdAt) };
}

function policyView(p: BackupPolicy, sites: Map<number, Site>) {
  return {
    policyId: p.id,
    cloudId: sites.get(p.siteId)?.cloudId ?? null,
    product: PRODUCT_NAMES[p.product],
    storageId: p.storageId,
    includeAttachments: p.includeAttachments,
    includePersonalSpaces: p.includePersonalSpaces,
    /** null: backups are kept `backup.retentionDays` (the server's default). */
    retention: p.retention,
    createdTime: iso(p.createdAt),
    updatedTime: iso(p.updatedAt),
  };
}

function backupView(job: Job, policy: BackupPolicy, sites: Map<number, Site>) {
  const result = job.result as unknown as BackupResult | null;
  return {
    backupId: String(job.id),
    policyId: policy.id,
    cloudId: sites.get(policy.siteId)?.cloudId ?? null,
    product: PRODUCT_NAMES[policy.product],
    status: backupStatus(job),
    createdTime: iso(job.createdAt),
    completedTime: iso(job.completedTime),
    expiredTime: iso(result?.expiredAt ?? null),
    size: result?.bytes ?? null,
    counts: result?.counts ?? null,
    missing: result?.missing ?? [],
    /** Where the archive is (null: the built-in storage), and the external storages holding an exported copy. */
    storageId: result && result.expiredAt === undefined ? result.storageId : null,
    copies: result?.copies ?? [],
    /** FAILED because its policy's storage could not take it: the archive is kept in the built-in storage. */
    localCopyKept: keptLocalCopy(job) !== undefined,
    verified: result?.verified ? { ...result.verified, at: iso(result.verified.at) } : null,
    progress: job.progress ? { label: job.progress.label, done: job.progress.done, total: job.progress.total } : null,
    error: job.errors[0] ?? null,
  };
}

/** A filter keeping what concerns the sites a caller administers. */
function allowed<T>(scope: Administered, siteOf: (item: T) => number): (item: T) => boolean {
  return (item) => allows(scope, siteOf(item));
}

export function restoreView(state: RestoreState) {
  const { restore, job, site } = state;
  const request = restore.request as { includeAttachments: boolean; includeUsersAndGroups: boolean; scopes?: string[]; items?: { entity: string; id: number }[]; dryRun?: boolean };
  const report = state.status === "COMPLETE" ? (job?.result as unknown as RestoreReport) : null;
  return {
    restoreId: restore.id,
    migrationId: restore.id,
    cloudId: site.cloudId,
    product: PRODUCT_NAMES[restore.product],
    backupId: String(restore.backupId),
    status: state.status,
    includeAttachments: request.includeAttachments,
    includeUsersAndGroups: request.includeUsersAndGroups,
    scopes: request.scopes ?? null,
    items: request.items ?? null,
    dryRun: request.dryRun === true,
    checks: restore.checks.map((c) => ({ ...c, consented: consented(c, restore.consents) })),
    consents: restore.consents,
    jobId: job ? String(job.id) : null,
    progress: job?.progress ? { label: job.progress.label, done: job.progress.done, total: job.progress.total } : null,
    createdTime: iso(restore.createdAt),
    completedTime: iso(job?.completedTime ?? null),
    error: job?.errors[0] ?? null,
    rows: report ? Object.values(report.restored).reduce((a, l) => a + l.rows, 0) : null,
  };
}

export function backupRoutes(app: FastifyInstance, ctx: AppContext, backups: BackupService): void {
  const sitesById = async () => new Map((await ctx.store.sites.list()).map((s) => [s.id, s]));
  const base = "/rest/backup/v1/orgs";
  const guard = new BackupAccess(ctx.store, ctx.access);
  type Part = z.ZodType | undefined;
  /** A route open to every token; `who` is the caller, whose rights each handler checks first. */
  const route = <P extends Part = undefined, Q extends Part = undefined, B extends Part = undefined>(
    method: "GET" | "POST" | "PUT",
    path: string,
    contract: Omit<Contract<P, Q, B>, "people">,
    handler: (input: Input<P, Q, B>, who: Account, reply: FastifyReply) => Promise<unknown>,
  ) => contractRoute(app, method, path, { ...contract, people: true }, async (input, request, reply) => handler(input, (request as FastifyRequest & { account?: Account }).account!, reply));
  /** 403 unless the caller administers the site of the organisation with this cloudId. */
  const siteOf = async (who: Account, orgId: string, cloudId: string) => {
    const site = await backups.site(orgId, cloudId);
    await guard.sites(who, [site]);
    return site;
  };
  const policySite = async (who: Account, orgId: string, policyId: string) => {
    const policy = await backups.policy(orgId, policyId);
    await guard.sites(who, [policy.siteId]);
    return policy;
  };
  const backupSite = async (who: Account, orgId: string, backupId: string) => {
    const found = await backups.backup(orgId, backupId);
    await guard.sites(who, [found.policy.siteId]);
    return found;
  };

  route("GET", "/rest/backup/v1/orgs", { tags, summary: "The organisations this token may administer" }, async (_input, who) => {
    const visible = await guard.orgIds(who);
    return { values: (await backups.orgs()).filter((o) => visible === "all" || visible.has(o.orgId)).map((o) => ({ orgId: o.orgId, name: o.name })) };
  });

  route("GET", `${base}/:orgId/sites`, { tags, summary: "The organisation's sites", params: org }, async ({ params }, who) => ({
    values: (await backups.sites(params.orgId)).filter(allowed(await guard.org(who, params.orgId), (s) => s.id)).map((s) => ({ cloudId: s.cloudId, product: PRODUCT_NAMES[s.product], contextPath: s.contextPath, baseUrl: siteBaseUrl(ctx.config, s), plan: s.plan, region: s.region })),
  }));

  route("POST", `${base}/:orgId/storages/regions`, { tags, summary: "Regions where a storage may be created", params: org }, async ({ params }, who) => {
    await backups.org(params.orgId);
    guard.orgAdmin(who, "storages");
    return { regions: backups.regions() };
  });

  const storageBody = z
    .object({
      storageName: z.string().min(1).max(200).describe("the bucket (s3) or a name (filesystem)"),
      storageRegion: z.string().min(1).max(64),
      storagePrefix: z.string().max(500).default(""),
      storageType: z.enum(["s3", "filesystem"]),
      endpoint: z.string().url().max(500).optional().describe("an S3-compatible endpoint (default: AWS)"),
      forcePathStyle: z.boolean().optional(),
      accessKeyIdEnv: z.string().max(100).optional().describe("the environment variable holding the access key id"),
      secretAccessKeyEnv: z.string().max(100).optional().describe("the environment variable holding the secret access key"),
      path: z.string().max(1000).optional().describe("filesystem: an absolute directory"),
      cloudId: z.string().max(100).optional(),
    })
    .strict();
  route("POST", `${base}/:orgId/storages`, { tags, summary: "Create a storage (checked reachable with its credentials)", params: org, body: storageBody, bodyName: "storage", code }, async ({ params, body }, who, reply) => {
    guard.orgAdmin(who, "storages");
    const { cloudId: _cloudId, ...input } = body;
    return reply.code(201).send(storageView(await backups.createStorage(params.orgId, input)));
  });

  const storageQuery = z.object({ cloudId: z.string().max(100).optional(), product: product.optional() }).strict();
  route("GET", `${base}/:orgId/storages`, { tags, summary: "The organisation's storages", params: org, query: storageQuery }, async ({ params, query }, who) => {
    guard.orgAdmin(who, "storages");
    const storages = await backups.storages(params.orgId);
    if (query.cloudId === undefined && query.product === undefined) return { values: storages.map(storageView) };
    // The storages a site's (or a product's) policies use.
    const sites = await sitesById();
    const used = new Set(
      (await backups.policies(params.orgId))
        .filter((p) => (query.cloudId === undefined || sites.get(p.siteId)?.cloudId === query.cloudId) && (query.product === undefined || PRODUCT_NAMES[p.product] === query.product))
        .map((p) => p.storageId),
    );
    return { values: storages.filter((s) => used.has(s.id)).map(storageView) };
  });

  const storageParams = org.extend({ storageId: idText });
  route("GET", `${base}/:orgId/storages/:storageId`, { tags, summary: "One storage", params: storageParams }, async ({ params }, who) => {
    guard.orgAdmin(who, "storages");
    return storageView(await backups.storage(params.orgId, params.storageId));
  });

  const retention = retentionSchema.nullable().optional().describe("how long backups are kept: {days, keepLast, daily, weekly, monthly}, any of them (UTC); null: backup.retentionDays");
  const policyBody = z
    .object({ product, storageId: idText.nullable().optional(), includeAttachments: z.boolean(), includePersonalSpaces: z.boolean().optional(), retention })
    .strict();
  const cloudParams = org.extend({ cloudId: idText });
  route("POST", `${base}/:orgId/cloud/:cloudId/policies`, { tags, summary: "Create a backup policy for a site", params: cloudParams, body: policyBody, bodyName: "policy", code }, async ({ params, body }, who, reply) => {
    await siteOf(who, params.orgId, params.cloudId);
    const policy = await backups.createPolicy(params.orgId, params.cloudId, { ...body, product: productOf(body.product)! });
    return reply.code(201).send(policyView(policy, await sitesById()));
  });

  route("GET", `${base}/:orgId/policies`, { tags, summary: "The organisation's backup policies", params: org }, async ({ params }, who) => {
    const scope = await guard.org(who, params.orgId);
    const sites = await sitesById();
    return { values: (await backups.policies(params.orgId)).filter(allowed(scope, (p) => p.siteId)).map((p) => policyView(p, sites)) };
  });

  const policyParams = org.extend({ policyId: idText });
  route("GET", `${base}/:orgId/policies/:policyId`, { tags, summary: "One backup policy", params: policyParams }, async ({ params }, who) =>
    policyView(await policySite(who, params.orgId, params.policyId), await sitesById()),
  );

  const policyPatch = z.object({ storageId: idText.nullable().optional(), includeAttachments: z.boolean().optional(), includePersonalSpaces: z.boolean().optional(), retention }).strict();
  route("PUT", `${base}/:orgId/policies/:policyId`, { tags, summary: "Change a backup policy (fields sent only)", params: policyParams, body: policyPatch, bodyName: "policy", code }, async ({ params, body }, who) => {
    await policySite(who, params.orgId, params.policyId);
    return policyView((await backups.updatePolicy(params.orgId, params.policyId, body)), await sitesById());
  });

  const backupBody = z.object({ policyId: idText, cloudId: idText }).strict();
  route("POST", `${base}/:orgId/backups`, { tags, summary: "Start a backup of a policy's site (202; 409 within the cadence)", params: org, body: backupBody, bodyName: "backup", code }, async ({ params, body }, who, reply) => {
    await siteOf(who, params.orgId, body.cloudId);
    const job = await backups.startBackup(params.orgId, body);
    const { policy } = await backups.backup(params.orgId, String(job.id));
    return reply.code(202).send(backupView(job, policy, await sitesById()));
  });

  route("GET", `${base}/:orgId/policies/:policyId/backups`, { tags, summary: "A policy's backups, newest first", params: policyParams }, async ({ params }, who) => {
    const policy = await policySite(who, params.orgId, params.policyId);
    const sites = await sitesById();
    return { values: (await backups.backups(params.orgId, params.policyId)).map((j) => backupView(j, policy, sites)) };
  });

  const backupParams = org.extend({ backupId: idText });
  route("GET", `${base}/:orgId/backups/:backupId`, { tags, summary: "One backup: status, size, counts, last verification", params: backupParams }, async ({ params }, who) => {
    const { job, policy } = await backupSite(who, params.orgId, params.backupId);
    return backupView(job, policy, await sitesById());
  });

  // ---- exports and imports
  const transferItems = z.array(z.object({ product, cloudId: idText, backupId: idText }).strict()).min(1).max(50);
  const transferView = (job: Job) => {
    const p = job.params as unknown as { backupId: number; storageId: string };
    const r = job.result as unknown as { parts: number; bytes: number } | null;
    return { id: String(job.id), backupId: String(p.backupId), storageId: p.storageId, status: transferStatus(job), parts: r?.parts ?? null, size: r?.bytes ?? null, createdTime: iso(job.createdAt), completedTime: iso(job.completedTime), error: job.errors[0] ?? null };
  };
  const productQuery = z.object({ product: product.optional() }).strict();
  for (const [direction, plural, what] of [
    ["export", "exports", "Copy backups to their policy's external storage (202)"],
    ["import", "imports", "Copy exported backups back from the external storage into the built-in one (202)"],
  ] as const) {
    const idName = direction === "export" ? "exportId" : "importId";
    route("POST", `${base}/:orgId/${plural}`, { tags, summary: what, params: org, body: transferItems, bodyName: plural, code }, async ({ params, body }, who, reply) => {
      for (const b of body) await siteOf(who, params.orgId, b.cloudId);
      const jobs = await backups.startTransfers(params.orgId, direction, body.map((b) => ({ ...b, product: productOf(b.product)! })));
      return reply.code(202).send({ values: jobs.map((j) => ({ [idName]: String(j.id), ...transferView(j) })) });
    });
    route("GET", `${base}/:orgId/${plural}`, { tags, summary: `The organisation's ${plural}`, params: org, query: productQuery }, async ({ params, query }, who) => ({
      values: (await backups.transfers(params.orgId, direction, query.product ? productOf(query.product) : undefined)).filter(allowed(await guard.org(who, params.orgId), (j) => j.siteId ?? 0)).map((j) => ({ [idName]: String(j.id), ...transferView(j) })),
    }));
    const one = org.extend({ cloudId: idText, id: idText });
    route("GET", `${base}/:orgId/cloud/:cloudId/${plural}/:id`, { tags, summary: `One ${direction}`, params: one }, async ({ params }, who) => {
      await siteOf(who, params.orgId, params.cloudId);
      const job = await backups.transfer(params.orgId, params.cloudId, direction, params.id);
      return { [idName]: String(job.id), ...transferView(job) };
    });
  }

  const verifyBody = z.object({ sample: z.number().int().min(1).max(100_000).optional().describe("re-read this many parts at random instead of all") }).strict();
  route("POST", `${base}/:orgId/backups/:backupId/verify`, { tags, summary: "Re-read a backup's parts against their checksums; the result is recorded", params: backupParams, body: verifyBody, bodyName: "verify", code }, async ({ params, body }, who) =>
    backupSite(who, params.orgId, params.backupId).then(() => backups.verify(params.orgId, params.backupId, body?.sample)),
  );

  // ---- restores
  const item = z.object({ type: z.enum(["PAGE", "ISSUE"]), id: z.number().int().positive() }).strict();
  const restoreBody = z
    .object({
      backupId: idText,
      product,
      includeAttachments: z.boolean().default(false).describe("true only if the backup holds attachments"),
      includeUsersAndGroups: z.boolean().default(true).describe("false: users, groups and memberships are not restored"),
      scopes: z.array(z.string().min(1).max(500)).min(1).max(10_000).optional().describe("only these spaces, projects or repositories (keys, or PROJECT/slug)"),
      items: z.array(item).min(1).max(1000).optional().describe("only these pages or issues, with their comments, attachments, fields and history"),
      dryRun: z.boolean().optional().describe("list what would be written; write nothing"),
    })
    .strict()
    .refine((b) => !(b.scopes && b.items), { message: "choose scopes or items, not both", path: ["items"] });
  const restoreCode = "sluice.restore.invalid" as const;
  route("POST", `${base}/:orgId/cloud/:cloudId/restores`, { tags, summary: "Request a restore into a site: validated first; it waits for consents to failing checks (202)", params: cloudParams, body: restoreBody, bodyName: "restore", code: restoreCode }, async ({ params, body }, who, reply) => {
    await siteOf(who, params.orgId, params.cloudId);
    // A site administrator restores only their own sites' backups.
    await backupSite(who, params.orgId, body.backupId);
    const { items, ...rest } = body;
    const state = await ctx.restores.create(params.orgId, params.cloudId, {
      ...rest,
      product: productOf(body.product)!,
      ...(items ? { items: items.map((i) => ({ entity: i.type === "PAGE" ? "pages" : "issues", id: i.id })) } : {}),
    });
    return reply.code(202).send(restoreView(state));
  });

  const revalidateBody = z.object({ restoreId: idText, consent: z.array(z.string().min(1).max(100)).max(20) }).strict();
  route("POST", `${base}/:orgId/cloud/:cloudId/restores/revalidate`, { tags, summary: "Consent to a restore's failing checks; it starts once each has its consent", params: cloudParams, body: revalidateBody, bodyName: "revalidate", code: restoreCode }, async ({ params, body }, who, reply) => {
    await siteOf(who, params.orgId, params.cloudId);
    return reply.code(202).send(restoreView(await ctx.restores.revalidate(params.orgId, params.cloudId, body)));
  });

  const restoreQuery = z.object({ cloudId: z.string().max(100).optional(), product: product.optional() }).strict();
  route("GET", `${base}/:orgId/restores`, { tags, summary: "The organisation's restores, newest first", params: org, query: restoreQuery }, async ({ params, query }, who) => ({
    values: (await ctx.restores.list(params.orgId, { ...(query.cloudId ? { cloudId: query.cloudId } : {}), ...(query.product ? { product: productOf(query.product)! } : {}) }))
      .filter(allowed(await guard.org(who, params.orgId), (r) => r.restore.siteId))
      .map(restoreView),
  }));

  const restoreParams = org.extend({ restoreId: idText });
  route("GET", `${base}/:orgId/restores/:restoreId`, { tags, summary: "One restore: status, checks, consents, progress", params: restoreParams }, async ({ params }, who) => {
    const state = await ctx.restores.get(params.orgId, params.restoreId);
    await guard.sites(who, [state.site]);
    return restoreView(state);
  });

  const reportParams = cloudParams.extend({ migrationId: idText });
  route("GET", `${base}/:orgId/cloud/:cloudId/migration/:migrationId/postOpReport`, { tags, summary: "What a restore restored, skipped and merged", params: reportParams }, async ({ params }, who) => {
    await siteOf(who, params.orgId, params.cloudId);
    const { state, report } = await ctx.restores.report(params.orgId, params.cloudId, params.migrationId);
    return { ...restoreView(state), report };
  });
}
