/** The fixed vocabulary of the demo Bitbucket (projects, repository names, build plans, branches) and its shapes. */
import { DAY } from "./dates.js";

export const PROJECTS: readonly (readonly [string, string])[] = [
  ["CORE", "Core Services"],
  ["WEB", "Web & Frontend"],
  ["TOOLS", "Tools, Scripts and CI"],
  ["INFRA", "Инфраструктура"],
  ["MOBILE", "モバイル Apps"],
  ["DATA", "Δεδομένα (Data)"],
];

export const REPOSITORY_NAMES = [
  "payments-service", "Web App", "design-system", "deploy-scripts", "api-gateway", "mobile-ios", "mobile-android",
  "data-pipeline", "docs", "infra-terraform", "auth", "Search Service", "notifications", "billing", "analytics",
];

export const SANDBOX_NAMES = ["sandbox", "dotfiles", "scratch", "experiments"];

export interface BuildPlan {
  readonly key: string;
  readonly name: string;
  readonly parent: string | null;
}

/** Plans run on a commit in this order: the first always, the others sometimes. */
export const BUILD_PLANS: readonly BuildPlan[] = [
  { key: "CI-BUILD", name: "Build & unit tests", parent: null },
  { key: "CI-IT", name: "Integration tests, EU", parent: "CI-BUILD" },
  { key: "CI-DEPLOY", name: "Deploy 🚀 staging", parent: "CI-BUILD" },
  { key: "SEC-SCAN", name: "Security scan", parent: null },
];

export const TARGET_BRANCHES = ["main", "develop", "release/2.0"];
export const TARGET_BRANCH_WEIGHTS = [80, 15, 5];
export const BRANCH_KINDS = ["feature", "bugfix", "chore", "hotfix"];

/** Repository display name → slug (`Web App` → `web-app`). */
export function slugOf(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
}

export interface Project {
  readonly id: number;
  readonly key: string;
  readonly name: string;
  readonly type: "NORMAL" | "PERSONAL";
  /** URL prefix: `/projects/KEY` or `/users/name`. */
  readonly path: string;
}

export interface Repository {
  readonly id: number;
  readonly url: string;
  readonly created: number;
  readonly forks: Repository[];
  /** The last few commit hashes (bounded). */
  readonly recentCommits: string[];
  scoped: number;
}

export const RECENT_COMMITS = 32;
/** Original repositories are created in the first days of the window. */
export const REPOSITORIES_PERIOD = 90 * DAY;
/** Issue keys that branch names refer to. */
export const TICKETS = ["CORE", "WEB", "PLAT", "OPS"];
