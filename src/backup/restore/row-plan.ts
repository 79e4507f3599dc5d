/**
 * What a restore writes, row by row — pure, so a dry run and the restore itself take the same decisions.
 *
 * - **Which rows.** A whole backup: every row but those of the containers skipped (spaces, projects or
 *   repositories the destination has already). Chosen containers: their rows only. Chosen items (a page,
 *   an issue): the item, the rows that refer to it (`Column.ref`: its comments, attachments, fields,
 *   history, worklogs, links) and its container when the destination lacks it. Rows of entities of no
 *   container (Jira sprints) go with a whole backup, or when a restored row refers to them. Users, groups
 *   and memberships only with `includeUsersAndGroups` (groups new to the destination only when accepted);
 *   grants of the containers restored.
 * - **Which ids.** An entity with one integer key whose ids the destination uses already is moved above
 *   them: every id gets the destination's largest id added (`offsets`), in the key, in every column that
 *   refers to it (`Column.ref`: an integer, a JSON list of ids, or the `<id>-…` prefix of a text id), in
 *   a repository's `scope_key`, and where the old id stands alone in the row's URLs. The destination's
 *   own rows are never touched: no restored key can equal one of them.
 */
import { storedColumns, type Column, type EntityDef, type Product } from "../../core/entities/registry.js";
import { SCOPE_SOURCES } from "../scopes.js";

export interface RestoreItem {
  /** `pages` or `issues`: the entity of the item. */
  entity: string;
  id: number;
}

export interface RowPlanInput {
  product: Product;
  /** Containers (scope keys) left out: the destination has them already. */
  skipScopes: ReadonlySet<string>;
  /** Only these containers (scope keys); null: all. */
  selectScopes: ReadonlySet<string> | null;
  /** Only these items (and what belongs to them); null: no item selection. */
  items: readonly RestoreItem[] | null;
  /** Scope keys of the items' containers that the destination lacks (restored with the item). */
  itemContainers: ReadonlySet<string>;
  includeUsersAndGroups: boolean;
  /** Groups the destination lacks that are left out (`Deny_Custom_Group_Check`). */
  deniedGroups: ReadonlySet<string>;
  /** Per entity name: what is added to its ids (0 or absent: ids kept). */
  offsets: ReadonlyMap<string, number>;
}

const ACCESS_PEOPLE = new Set(["users", "groups", "group_members"]);

/** A row as the archive holds it: values in the part's column order. */
export type ArchiveRow = readonly unknown[];

function asNumber(v: unknown): number | null {
  if (v === null || v === undefined || v === "") return null;
  const n = typeof v === "number" ? v : Number(Buffer.isBuffer(v) ? v.toString("utf8") : v);
  return Number.isFinite(n) ? n : null;
}

function asText(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  return Buffer.isBuffer(v) ? v.toString("utf8") : String(v);
}

/** Replaces `old` where it stands alone (not inside a longer number) in a URL path. */
function replaceId(url: string, old: string, now: string): string {
  if (!url.includes(old)) return url;
  return url.replace(new RegExp(`(?<![0-9])${old}(?![0-9])`, "g"), now);
}

export class RowPlan {
  /** Keys (as text) of the item entity's chosen ids. */
  private readonly itemIds: Map<string, Set<number>>;
  /** Ids referred to by rows restored so far, per entity (rows of no container follow them). */
  private readonly referred = new Map<string, Set<number>>();
  /** Containers restored (for grants): scope keys as the archive has them. */
  readonly restoredScopes = new Set<string>();
  private readonly scopeEntity: string;
  private readonly scopeIsId: boolean;

  constructor(private readonly input: RowPlanInput) {
    this.itemIds = new Map();
    for (const item of input.items ?? []) {
      const set = this.itemIds.get(item.entity) ?? new Set<number>();
      set.add(item.id);
      this.itemIds.set(item.entity, set);
    }
    const source = SCOPE_SOURCES[input.product];
    this.scopeEntity = source.entity;
    this.scopeIsId = input.product === "bitbucket";
  }

  offset(entity: string): number {
    return this.input.offsets.get(entity) ?? 0;
  }

  /** The id an archive id of `entity` gets on the destination. */
  mapId(entity: string, id: number): number {
    return id + this.offset(entity);
  }

  /** A scope key as the destination has it (a repository's id moves with its offset). */
  mapScope(key: string): string {
    if (!this.scopeIsId) return key;
    const n = asNumber(key);
    return n === null ? key : String(this.mapId(this.scopeEntity, n));
  }

  private scopeWanted(scope: string | null): boolean {
    if (scope === null) return this.input.items === null;
    if (this.input.skipScopes.has(scope)) return false;
    if (this.input.items !== null) return false;
    return this.input.selectScopes === null || this.input.selectScopes.has(scope);
  }

  /**
   * The row as the destination gets it (values in `storedColumns(def)` order), or null when it is not
   * restored. `columns` names the archive row's values.
   */
  map(def: EntityDef, columns: readonly string[], row: ArchiveRow): unknown[] | null {
    const at = (name: string) => {
      const i = columns.indexOf(name);
      return i < 0 ? null : row[i];
    };
    if (!this.accept(def, at)) return null;
    const out = storedColumns(def).map((c) => at(c.name) ?? null);
    this.rewrite(def, storedColumns(def), out);
    this.remember(def, at);
    return out;
  }

  private accept(def: EntityDef, at: (name: string) => unknown): boolean {
    const { input } = this;
    if (def.kind === "access") {
      if (def.name === "grants") {
        const anyone = asText(at("principal_type")) === "anyone";
        if (!input.includeUsersAndGroups && !anyone) return false;
        if (!anyone && asText(at("principal_type")) === "group" && input.deniedGroups.has(asText(at("principal_name")) ?? "")) return false;
        const key = asText(at("scope_key")) ?? "";
        const projectOfRepositories = asText(at("scope_type")) === "PROJECT" && this.scopeIsId;
        // A whole restore keeps every grant but those of the containers skipped (a container may have no rows).
        if (input.items === null && input.selectScopes === null) return projectOfRepositories || !input.skipScopes.has(key);
        return projectOfRepositories ? this.restoredScopes.has(`project:${key}`) : this.restoredScopes.has(key);
      }
      if (!ACCESS_PEOPLE.has(def.name) || !input.includeUsersAndGroups) return false;
      return def.name === "users" || !input.deniedGroups.has(asText(at("group_name")) ?? "");
    }
    const scope = def.scope ? asText(at("scope_key")) : null;
    if (input.items !== null) {
      const own = this.itemIds.get(def.name);
      if (own) return own.has(asNumber(at(def.key[0]!)) ?? NaN);
      for (const column of def.columns) {
        if (!column.ref || column.ref === def.name) continue;
        const chosen = this.itemIds.get(column.ref);
        if (chosen && chosen.has(asNumber(at(column.name)) ?? NaN)) return true;
      }
      if (def.name === this.scopeEntity && scope !== null && input.itemContainers.has(scope)) return true;
      if (!def.scope) return this.referredTo(def, at);
      return false;
    }
    if (!def.scope) return input.selectScopes === null || this.referredTo(def, at);
    return this.scopeWanted(scope);
  }

  private referredTo(def: EntityDef, at: (name: string) => unknown): boolean {
    if (def.key.length !== 1) return false;
    return this.referred.get(def.name)?.has(asNumber(at(def.key[0]!)) ?? NaN) ?? false;
  }

  /** Notes what a restored row refers to and which container it restored. */
  private remember(def: EntityDef, at: (name: string) => unknown): void {
    for (const column of def.columns) {
      if (!column.ref || column.type !== "json") continue;
      const ids = parseIds(at(column.name));
      if (ids.length === 0) continue;
      const set = this.referred.get(column.ref) ?? new Set<number>();
      for (const id of ids) set.add(id);
      this.referred.set(column.ref, set);
    }
    if (def.name === this.scopeEntity) {
      const scope = asText(at("scope_key")) ?? (def.key.length === 1 ? asText(at(def.key[0]!)) : null);
      // An item restore brings the grants of a container it creates, never new grants on one the destination has.
      if (scope !== null && (this.input.items === null || this.input.itemContainers.has(scope))) {
        this.restoredScopes.add(scope);
        if (this.scopeIsId && at("project_key") !== null) this.restoredScopes.add(`project:${asText(at("project_key"))}`);
      }
    }
  }

  /** Moves ids by their offsets in place: the key, the refs, `scope_key`, and the URLs of the row. */
  private rewrite(def: EntityDef, columns: readonly Column[], out: unknown[]): void {
    const moved: [string, string][] = [];
    const shift = (entity: string, v: unknown): unknown => {
      const off = this.offset(entity);
      if (off === 0) return v;
      const n = asNumber(v);
      if (n === null) return v;
      moved.push([String(n), String(n + off)]);
      return n + off;
    };
    columns.forEach((column, i) => {
      const value = out[i];
      if (value === null || value === undefined) return;
      if (def.key.length === 1 && column.name === def.key[0] && column.type === "integer") out[i] = shift(def.name, value);
      else if (column.ref && column.type === "integer") out[i] = shift(column.ref, value);
      else if (column.ref && column.type === "json") {
        const off = this.offset(column.ref);
        if (off !== 0) out[i] = JSON.stringify(parseIds(value).map((id) => id + off));
      } else if (column.ref) {
        // `<id>-…`: a text id that starts with the id of the row it belongs to (a pull request's).
        const text = asText(value)!;
        const dash = text.indexOf("-");
        const head = dash < 0 ? null : asNumber(text.slice(0, dash));
        if (head !== null && this.offset(column.ref) !== 0) out[i] = `${head + this.offset(column.ref)}${text.slice(dash)}`;
      } else if (column.name === "scope_key" && this.scopeIsId) out[i] = this.mapScope(asText(value)!);
    });
    if (def.name === "grants" && this.scopeIsId) {
      const type = columns.findIndex((c) => c.name === "scope_type");
      const key = columns.findIndex((c) => c.name === "scope_key");
      if (asText(out[type]) === SCOPE_SOURCES.bitbucket.type) out[key] = this.mapScope(asText(out[key])!);
    }
    if (moved.length === 0) return;
    columns.forEach((column, i) => {
      if (column.type !== "url" || typeof out[i] !== "string") return;
      let url = out[i];
      for (const [old, now] of moved) url = replaceId(url, old, now);
      out[i] = url;
    });
  }
}

function parseIds(value: unknown): number[] {
  if (value === null || value === undefined || value === "") return [];
  let list: unknown = value;
  if (typeof value === "string" || Buffer.isBuffer(value)) {
    try {
      list = JSON.parse(asText(value)!);
    } catch {
      return [];
    }
  }
  return Array.isArray(list) ? list.map(asNumber).filter((n): n is number => n !== null) : [];
}

/** The key of a row as restored (values in `def.key` order), for listings. */
export function rowKey(def: EntityDef, row: readonly unknown[]): string {
  const cols = storedColumns(def).map((c) => c.name);
  return def.key.map((k) => asText(row[cols.indexOf(k)]) ?? "").join("/");
}
