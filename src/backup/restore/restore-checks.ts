/**
 * A restore's validation (spec §2, the seed's checks and consent codes), run before anything is written
 * and again before the restore starts: containers the destination has already (skipped), groups of the
 * same name (merged), groups new to the destination (created or left out), a destination plan below the
 * source's, another region, a destination on a free plan or trial. Each failing check waits for its
 * consent; none of them can be answered by writing anything.
 */
import { entity, type Product } from "../../core/entities/registry.js";
import type { ArchiveScope } from "../archive/index.js";
import type { RestoreCheck, Site, Store } from "../../store/port.js";
import { SCOPE_SOURCES, scopeIdentity } from "../scopes.js";

export const CONSENTS = {
  space: "Consent_Conflicting_Space_Check",
  group: "Consent_Conflicting_Group_Check",
  productLicense: "Consent_Product_License_Check",
  shard: "Consent_TDP_Shard_Check",
  siteLicense: "Consent_Site_License_Check",
  acceptGroups: "Accept_Custom_Group_Check",
  denyGroups: "Deny_Custom_Group_Check",
} as const;

export const CONSENT_CODES: readonly string[] = Object.values(CONSENTS);

/** Plans from lowest to highest; a destination below the source asks for consent. */
const PLAN_RANK = ["free", "trial", "standard", "premium", "enterprise"];
const NOT_LICENSED = new Set(["free", "trial"]);

const CONTAINER_WORDS: Record<Product, string> = { confluence: "spaces", jira: "projects", bitbucket: "repositories" };

export interface CheckInput {
  product: Product;
  source: { plan?: string | undefined; region?: string | undefined };
  destination: Site;
  /** The containers the restore would write (none for an item restore). */
  scopes: readonly ArchiveScope[];
  /** Groups in the backup, when users and groups are restored. */
  groups: readonly string[] | null;
}

export interface CheckOutcome {
  checks: RestoreCheck[];
  /** Scope keys of containers the destination has: skipped. */
  conflicting: string[];
  /** Groups the destination has: merged. */
  mergedGroups: string[];
  /** Groups the destination lacks. */
  newGroups: string[];
}

/** The scope identities among `identities` that the destination site has. */
export async function existingContainers(store: Store, site: Site, identities: readonly string[]): Promise<Set<string>> {
  const source = SCOPE_SOURCES[site.product];
  const def = entity(site.product, source.entity);
  const found = new Set<string>();
  const BATCH = 500;
  for (let i = 0; i < identities.length; i += BATCH) {
    const chunk = identities.slice(i, i + BATCH);
    // Look up by the first identity column; the full identity is compared here.
    const first = chunk.map((id) => (source.identityColumns.length > 1 ? id.split("/")[0]! : id));
    const rows = await store.data.distinct(site.id, def, source.identityColumns, { column: source.identityColumns[0]!, in: [...new Set(first)] }, 100_000);
    const have = new Set(rows.map((r) => source.identity((c) => r[c])));
    for (const id of chunk) if (have.has(id)) found.add(id);
  }
  return found;
}

export async function existingGroups(store: Store, site: Site, names: readonly string[]): Promise<Set<string>> {
  const def = entity(site.product, "groups");
  const found = new Set<string>();
  for (let i = 0; i < names.length; i += 500) {
    const rows = await store.data.distinct(site.id, def, ["group_name"], { column: "group_name", in: names.slice(i, i + 500) }, 100_000);
    for (const r of rows) found.add(String(r.group_name));
  }
  return found;
}

export async function runChecks(store: Store, input: CheckInput): Promise<CheckOutcome> {
  const checks: RestoreCheck[] = [];
  const words = CONTAINER_WORDS[input.product];
  const have = await existingContainers(store, input.destination, input.scopes.map(scopeIdentity));
  const conflicting = input.scopes.filter((s) => have.has(scopeIdentity(s)));
  if (conflicting.length > 0) {
    checks.push({
      code: `CONFLICTING_${words.toUpperCase()}`,
      consent: CONSENTS.space,
      message: `The destination has ${conflicting.length} of the backup's ${words} already: they will be skipped (the destination's version stays): ${conflicting.slice(0, 20).map(scopeIdentity).join(", ")}${conflicting.length > 20 ? ", …" : ""}.`,
      items: conflicting.map(scopeIdentity),
    });
  }
  let mergedGroups: string[] = [];
  let newGroups: string[] = [];
  if (input.groups !== null && input.groups.length > 0) {
    const existing = await existingGroups(store, input.destination, input.groups);
    mergedGroups = input.groups.filter((g) => existing.has(g));
    newGroups = input.groups.filter((g) => !existing.has(g));
    if (mergedGroups.length > 0) {
      checks.push({
        code: "CONFLICTING_GROUPS",
        consent: CONSENTS.group,
        message: `${mergedGroups.length} group(s) of the backup exist on the destination: they will be merged (members added), and their members get the permissions of the groups they are added to.`,
        items: mergedGroups,
      });
    }
    if (newGroups.length > 0) {
      checks.push({
        code: "CUSTOM_GROUPS",
        consent: `${CONSENTS.acceptGroups}|${CONSENTS.denyGroups}`,
        message: `${newGroups.length} group(s) of the backup do not exist on the destination: accept to create them (${CONSENTS.acceptGroups}) or deny to leave them and their memberships out (${CONSENTS.denyGroups}).`,
        items: newGroups,
      });
    }
  }
  const rank = (plan: string | undefined) => PLAN_RANK.indexOf((plan ?? "").toLowerCase());
  const destPlan = input.destination.plan;
  if (rank(destPlan) >= 0 && rank(input.source.plan) >= 0 && rank(destPlan) < rank(input.source.plan)) {
    checks.push({
      code: "PRODUCT_LICENSE",
      consent: CONSENTS.productLicense,
      message: `The destination's plan (${destPlan}) is below the backed-up site's (${input.source.plan}): upgrade it to at least ${input.source.plan}, or consent to restore anyway.`,
      items: [destPlan, input.source.plan ?? ""],
    });
  }
  if (input.source.region && input.destination.region && input.source.region !== input.destination.region) {
    checks.push({
      code: "TDP_SHARD",
      consent: CONSENTS.shard,
      message: `The backup was taken in region ${input.source.region}; the destination is in ${input.destination.region}. Backups should be restored in the same region.`,
      items: [input.source.region, input.destination.region],
    });
  }
  if (NOT_LICENSED.has((destPlan ?? "").toLowerCase())) {
    checks.push({
      code: "SITE_LICENSE",
      consent: CONSENTS.siteLicense,
      message: `The destination is on a ${destPlan} plan: restores are for standard, premium or enterprise sites. Upgrade it, or consent to restore anyway.`,
      items: [destPlan],
    });
  }
  return { checks, conflicting: conflicting.map((s) => s.key), mergedGroups, newGroups };
}

/** Whether `consents` answer `check` (a check may take one of several answers: `A|B`). */
export function consented(check: RestoreCheck, consents: readonly string[]): boolean {
  return check.consent.split("|").some((c) => consents.includes(c));
}
