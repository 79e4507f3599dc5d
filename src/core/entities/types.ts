/**
 * The vocabulary of the entity registry. An entity is one export file (and one store table):
 * its columns in contract order, key, fromDate cursor, opt-out scope and schema versions. Entities of a
 * `kind` (access, attachment) are a store table only.
 */
export type Product = "jira" | "confluence" | "bitbucket";

export const PRODUCTS: readonly Product[] = ["jira", "confluence", "bitbucket"];

/**
 * Column types decide storage (DDL) and CSV rendering:
 * - `string`   short text, written as is (escaped)
 * - `text`     long text, truncated to a configured length when `truncate` is set
 * - `url`      stored as a path relative to the site; written as `<instance_url><path>`
 * - `instance` the site base URL; not stored, written from the site
 * - `integer`, `decimal`, `boolean` (`true`/`false`), `datetime` (ISO-8601 UTC, `2021-01-03T20:57:10Z`),
 * - `date`     a calendar date (`2021-01-03`)
 * - `json`     a list or map kept as JSON text; an empty list is written as an empty field
 */
export type ColumnType =
  | "string"
  | "text"
  | "url"
  | "instance"
  | "integer"
  | "decimal"
  | "boolean"
  | "datetime"
  | "date"
  | "json";

/** Long-text columns are truncated to the length of one of these settings. */
export type TruncateSetting = "descriptionMaxLength" | "pageContentMaxLength";

export interface Column {
  readonly name: string;
  readonly type: ColumnType;
  readonly truncate?: TruncateSetting;
  /** Present only in these schema versions (all versions when absent). */
  readonly schemas?: readonly number[];
  /** Stored and used as a key, never written to the export file. */
  readonly hidden?: boolean;
  /**
   * The entity (of the same product) whose single-column key this column holds: an issue's `parent_id`
   * holds an `issues` id; a `json` column a list of them (`sprint_ids`); a text column an id that starts
   * with one (`<repository id>-<n>`, a pull request's). A restore that gives rows new ids (`src/backup/restore/`) rewrites these with
   * them, and a restore of one item takes the rows that refer to it.
   */
  readonly ref?: string;
}

/** What an opt-out removes: a space, a project or a repository, and everything inside it. */
export type ScopeKind = "SPACE" | "PROJECT" | "REPOSITORY";

/** Export settings that switch an entity file on or off. */
export type EntityToggle = "exportPullRequestActivities" | "exportBuildStatuses";

export interface EntityDef {
  readonly product: Product;
  /** File prefix and logical name, e.g. `pages`. */
  readonly name: string;
  readonly columns: readonly Column[];
  /** Columns that identify a row within a site (upserts, restores, stable order). */
  readonly key: readonly string[];
  /** The column compared with fromDate (`>=`); absent: every row is exported. */
  readonly cursor?: string;
  /** The kind of container an opt-out of which removes this entity's rows. */
  readonly scope?: ScopeKind;
  /** Schema versions that have this file. */
  readonly schemas: readonly number[];
  /** A setting that must be true for the file to be written. */
  readonly toggle?: EntityToggle;
  /** Rows of this entity count as `exportedEntities` in the job statistics. */
  readonly primary?: boolean;
  /**
   * Kept and backed up, never an export file, an SQL table or a report's entity:
   * - `access`: who may see what (groups, memberships, grants);
   * - `attachment`: files attached to issues or pages (the row here, the bytes in `src/attachments/`).
   */
  readonly kind?: "access" | "attachment";
  /**
   * The rows this entity's rows belong to, and go with (a reconcile that deletes an issue deletes its
   * worklogs): the parent entity of the same product and the column holding its key. A link belongs to
   * both its ends.
   */
  readonly parents?: readonly { readonly entity: string; readonly column: string }[];
}

export interface ProductSchemas {
  readonly current: number;
  /** Newest first. */
  readonly versions: readonly { readonly version: number; readonly status: "ACTIVE" | "DEPRECATED" }[];
}
