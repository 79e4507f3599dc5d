/**
 * Who may see what on a site (admin): groups with their members, browse grants on scopes, and the
 * scopes an account may browse — `GET/POST/DELETE /rest/admin/v1/sites/:key/access/…`.
 */
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { AppContext } from "../../app/context.js";
import { SluiceError } from "../../core/errors.js";
import type { Site } from "../../store/port.js";
import type { Principal } from "../../access/access-service.js";
import { siteAt } from "../../sites/site-service.js";
import { contractRoute } from "../contract-route.js";

const name = z.string().min(1).max(100);
const grantBody = z
  .object({ scope: z.string().min(1).max(300), user: name.optional(), group: name.optional(), anyone: z.literal(true).optional() })
  .strict()
  .refine((b) => [b.user, b.group, b.anyone].filter((x) => x !== undefined).length === 1, { message: "give exactly one of user, group or anyone: true", path: ["user"] });
const scopesQuery = z.object({ user: name }).strict();
const siteParams = z.object({ key: z.string().max(200).describe("the site's key (wiki, jira, …; - for the site at /)") });
const groupParams = siteParams.extend({ group: z.string().max(200) });
const memberParams = groupParams.extend({ user: z.string().max(200) });

function principalOf(b: { user?: string; group?: string; anyone?: true }): Principal {
  if (b.user !== undefined) return { type: "user", name: b.user };
  if (b.group !== undefined) return { type: "group", name: b.group };
  return { type: "anyone", name: "" };
}

export function accessRoutes(app: FastifyInstance, ctx: AppContext): void {
  const tags = ["Access"];
  const base = "/rest/admin/v1/sites/:key/access";
  const siteOf = (key: string): Promise<Site> => siteAt(ctx.store, key);
  const view = (g: { scopeType: string; scopeKey: string; principal: Principal; permission: string }) => ({
    scope: `${g.scopeType}:${g.scopeKey}`,
    principal: g.principal.type === "anyone" ? { type: "anyone" } : g.principal,
    permission: g.permission,
  });

  const code = "sluice.access.invalid" as const;
  const grant = { tags, params: siteParams, body: grantBody, bodyName: "grant", code };
  contractRoute(app, "GET", base, { tags, summary: "A site's groups (with members) and browse grants", params: siteParams }, async ({ params }) => {
    const site = await siteOf(params.key);
    return { groups: await ctx.access.groups(site), grants: (await ctx.access.grants(site)).map(view) };
  });

  const grantSummary = "Grant browse on a scope (SPACE:KEY, PROJECT:KEY, REPOSITORY:PROJECT/slug) to a user, a group or anyone; SITE makes a user or group the site's administrator (backups and restores)";
  contractRoute(app, "POST", `${base}/grants`, { ...grant, summary: grantSummary }, async ({ params, body }, _request, reply) => {
    const site = await siteOf(params.key);
    return reply.code(201).send(view(await ctx.access.grant(site, body.scope, principalOf(body))));
  });

  contractRoute(app, "DELETE", `${base}/grants`, { ...grant, summary: "Take a browse grant back" }, async ({ params, body }, _request, reply) => {
    const site = await siteOf(params.key);
    if (!(await ctx.access.revoke(site, body.scope, principalOf(body)))) {
      throw new SluiceError("sluice.access.scope.not.found", `There is no such grant on ${body.scope} for ${principalOf(body).type} ${principalOf(body).name}.`.trim());
    }
    return reply.code(204).send();
  });

  contractRoute(app, "PUT", `${base}/groups/:group`, { tags, summary: "Create a group", params: groupParams, code }, async ({ params }, _request, reply) => {
    await ctx.access.createGroup(await siteOf(params.key), params.group);
    return reply.code(204).send();
  });

  contractRoute(app, "DELETE", `${base}/groups/:group`, { tags, summary: "Remove a group with its memberships and grants", params: groupParams, code }, async ({ params }, _request, reply) => {
    await ctx.access.deleteGroup(await siteOf(params.key), params.group);
    return reply.code(204).send();
  });

  contractRoute(app, "PUT", `${base}/groups/:group/members/:user`, { tags, summary: "Add a site user to a group", params: memberParams, code }, async ({ params: p }, _request, reply) => {
    await ctx.access.addMember(await siteOf(p.key), p.group, p.user);
    return reply.code(204).send();
  });

  contractRoute(app, "DELETE", `${base}/groups/:group/members/:user`, { tags, summary: "Remove a user from a group", params: memberParams, code }, async ({ params: p }, _request, reply) => {
    if (!(await ctx.access.removeMember(await siteOf(p.key), p.group, p.user))) {
      throw new SluiceError("sluice.access.user.not.found", `User ${p.user.slice(0, 80)} is not in group ${p.group.slice(0, 80)}.`);
    }
    return reply.code(204).send();
  });

  const scopes = { tags, summary: "The scopes a Sluice account (by user name) may browse on the site", params: siteParams, query: scopesQuery, code };
  contractRoute(app, "GET", `${base}/scopes`, scopes, async ({ params, query: q }) => {
    const site = await siteOf(params.key);
    const account = (await ctx.store.accounts.byUsername(q.user)) ?? { username: q.user, sysadmin: false };
    return { user: q.user, sysadmin: account.sysadmin, ...(await ctx.access.scopesFor(site, account)) };
  });
}
