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
import { parseWith } from "../../core/contract.js";
import { siteAt } from "../../sites/site-service.js";

const name = z.string().min(1).max(100);
const grantBody = z
  .object({ scope: z.string().min(1).max(300), user: name.optional(), group: name.optional(), anyone: z.literal(true).optional() })
  .strict()
  .refine((b) => [b.user, b.group, b.anyone].filter((x) => x !== undefined).length === 1, { message: "give exactly one of user, group or anyone: true", path: ["user"] });
const scopesQuery = z.object({ user: name }).strict();

function principalOf(b: { user?: string; group?: string; anyone?: true }): Principal {
  if (b.user !== undefined) return { type: "user", name: b.user };
  if (b.group !== undefined) return { type: "group", name: b.group };
  return { type: "anyone", name: "" };
}

export function accessRoutes(app: FastifyInstance, ctx: AppContext): void {
  const tags = ["Access"];
  const base = "/rest/admin/v1/sites/:key/access";
  const siteOf = async (params: unknown): Promise<Site> => {
    return siteAt(ctx.store, String((params as { key?: string }).key ?? ""));
  };
  const view = (g: { scopeType: string; scopeKey: string; principal: Principal; permission: string }) => ({
    scope: `${g.scopeType}:${g.scopeKey}`,
    principal: g.principal.type === "anyone" ? { type: "anyone" } : g.principal,
    permission: g.permission,
  });

  app.get(base, { schema: { tags, summary: "A site's groups (with members) and browse grants" } }, async (request) => {
    const site = await siteOf(request.params);
    return { groups: await ctx.access.groups(site), grants: (await ctx.access.grants(site)).map(view) };
  });

  app.post(`${base}/grants`, { schema: { tags, summary: "Grant browse on a scope (SPACE:KEY, PROJECT:KEY, REPOSITORY:PROJECT/slug) to a user, a group or anyone" } }, async (request, reply) => {
    const site = await siteOf(request.params);
    const body = parseWith(grantBody, request.body, "grant", "sluice.access.invalid");
    return reply.code(201).send(view(await ctx.access.grant(site, body.scope, principalOf(body))));
  });

  app.delete(`${base}/grants`, { schema: { tags, summary: "Take a browse grant back" } }, async (request, reply) => {
    const site = await siteOf(request.params);
    const body = parseWith(grantBody, request.body, "grant", "sluice.access.invalid");
    if (!(await ctx.access.revoke(site, body.scope, principalOf(body)))) {
      throw new SluiceError("sluice.access.scope.not.found", `There is no such grant on ${body.scope} for ${principalOf(body).type} ${principalOf(body).name}.`.trim());
    }
    return reply.code(204).send();
  });

  app.put(`${base}/groups/:group`, { schema: { tags, summary: "Create a group" } }, async (request, reply) => {
    const site = await siteOf(request.params);
    await ctx.access.createGroup(site, String((request.params as { group: string }).group));
    return reply.code(204).send();
  });

  app.delete(`${base}/groups/:group`, { schema: { tags, summary: "Remove a group with its memberships and grants" } }, async (request, reply) => {
    const site = await siteOf(request.params);
    await ctx.access.deleteGroup(site, String((request.params as { group: string }).group));
    return reply.code(204).send();
  });

  app.put(`${base}/groups/:group/members/:user`, { schema: { tags, summary: "Add a site user to a group" } }, async (request, reply) => {
    const site = await siteOf(request.params);
    const p = request.params as { group: string; user: string };
    await ctx.access.addMember(site, p.group, p.user);
    return reply.code(204).send();
  });

  app.delete(`${base}/groups/:group/members/:user`, { schema: { tags, summary: "Remove a user from a group" } }, async (request, reply) => {
    const site = await siteOf(request.params);
    const p = request.params as { group: string; user: string };
    if (!(await ctx.access.removeMember(site, p.group, p.user))) {
      throw new SluiceError("sluice.access.user.not.found", `User ${p.user.slice(0, 80)} is not in group ${p.group.slice(0, 80)}.`);
    }
    return reply.code(204).send();
  });

  app.get(`${base}/scopes`, { schema: { tags, summary: "The scopes a Sluice account (by user name) may browse on the site" } }, async (request) => {
    const site = await siteOf(request.params);
    const q = parseWith(scopesQuery, request.query, "query parameters", "sluice.access.invalid");
    const account = (await ctx.store.accounts.byUsername(q.user)) ?? { username: q.user, sysadmin: false };
    return { user: q.user, sysadmin: account.sysadmin, ...(await ctx.access.scopesFor(site, account)) };
  });
}
