/** The instance facts an issue mapping needs, read once per run: fields, priorities, the token user's zone. */
import type { StreamContext } from "../connector/connector.js";
import type { JiraField, JiraPriority } from "./api-types.js";
import { fieldCatalog, type FieldCatalog } from "./map-issue.js";
import type { JiraVariant } from "./variant.js";

export async function loadCatalog(ctx: StreamContext, variant: JiraVariant): Promise<FieldCatalog> {
  const cached = ctx.shared.get("jira.catalog") as FieldCatalog | undefined;
  if (cached) return cached;
  const fields = await ctx.http.get<JiraField[]>(`${variant.api}/field`, { entity: "issue_fields" });
  const priorities = await ctx.http.get<JiraPriority[]>(`${variant.api}/priority`, { entity: "issues" });
  const catalog = fieldCatalog(fields, priorities);
  ctx.shared.set("jira.catalog", catalog);
  return catalog;
}

export async function userZone(ctx: StreamContext, variant: JiraVariant): Promise<string> {
  const cached = ctx.shared.get("jira.zone") as string | undefined;
  if (cached) return cached;
  const me = await ctx.http.get<{ timeZone?: string }>(`${variant.api}/myself`, { entity: "issues" });
  const zone = me.timeZone ?? "UTC";
  ctx.shared.set("jira.zone", zone);
  return zone;
}
