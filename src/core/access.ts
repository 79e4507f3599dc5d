/**
 * Who reads: the viewer of a query. A sysadmin (or work run with "add-on permissions") sees every row;
 * anyone else sees the rows of the scopes (Jira projects, Confluence spaces, Bitbucket projects and
 * repositories) their site user may browse — through grants to them, to their groups, or to everyone.
 * Rows of entities without a scope (users, sprints) are seen by everyone. Pure.
 */
export type Viewer =
  | { readonly all: true }
  /** `user`: the site user's name (`user_name`); null when the account has no user on the site. */
  | { readonly all: false; readonly user: string | null };

export const EVERYONE: Viewer = { all: true };

/** The principals a grant names. */
export const PRINCIPAL_TYPES = ["user", "group", "anyone"] as const;
export type PrincipalType = (typeof PRINCIPAL_TYPES)[number];

/** The permission queries check: to browse (see) a scope and everything in it. */
export const BROWSE = "BROWSE";

/**
 * To administer a whole site (its backups and restores): a grant on the scope `SITE` (key `*`). It
 * browses nothing by itself; a site administrator sees rows through their browse grants like anyone.
 */
export const ADMINISTER = "ADMINISTER";
export const SITE_SCOPE = { type: "SITE", key: "*" } as const;
