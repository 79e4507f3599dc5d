/** The fixed vocabulary of the demo Jira (projects, issue types, workflow, priorities, link types) and its shapes. */
import { DAY } from "./dates.js";

export interface ProjectSeed {
  readonly key: string;
  readonly name: string;
  readonly type: "software" | "business" | "service_desk";
  readonly category: string | null;
}

export const PROJECTS: readonly ProjectSeed[] = [
  { key: "PLAT", name: "Platform & Infrastructure", type: "software", category: "Engineering" },
  { key: "WEB", name: "Web, Mobile and Apps", type: "software", category: "Engineering" },
  { key: "HELP", name: "Help Desk 🛟", type: "service_desk", category: "Support" },
  { key: "MKTG", name: "Маркетинг", type: "business", category: null },
  { key: "DATA", name: "Data 分析", type: "software", category: "Engineering" },
  { key: "SEC", name: '"Security" team', type: "software", category: "Engineering" },
  { key: "LEGAL", name: "Νομικά", type: "business", category: "Corporate" },
  { key: "OPS", name: "العمليات Ops", type: "service_desk", category: "Support" },
];

/** Beyond the named projects: `P9`, `P10`, … */
export function projectSeed(index: number): ProjectSeed {
  return PROJECTS[index] ?? { key: `P${index}`, name: `Project ${index}`, type: "software", category: null };
}

export const ISSUE_TYPES = ["Epic", "Story", "Task", "Bug", "Sub-task"] as const;
export type IssueType = (typeof ISSUE_TYPES)[number];
export const ISSUE_TYPE_WEIGHTS = [4, 35, 30, 20, 11];

export interface Status {
  readonly id: string;
  readonly name: string;
  readonly category: "To Do" | "In Progress" | "Done";
}

/** The workflow in order: an issue walks along it (sometimes skipping review). */
export const WORKFLOW: readonly Status[] = [
  { id: "10000", name: "To Do", category: "To Do" },
  { id: "3", name: "In Progress", category: "In Progress" },
  { id: "10001", name: "In Review", category: "In Progress" },
  { id: "10002", name: "Done", category: "Done" },
];

export interface Priority {
  readonly id: string;
  readonly sequence: number;
  readonly name: string;
}

export const PRIORITIES: readonly Priority[] = [
  { id: "1", sequence: 1, name: "Highest" },
  { id: "2", sequence: 2, name: "High" },
  { id: "3", sequence: 3, name: "Medium" },
  { id: "4", sequence: 4, name: "Low" },
  { id: "5", sequence: 5, name: "Lowest" },
];
export const PRIORITY_WEIGHTS = [5, 15, 55, 18, 7];

export const RESOLUTIONS = [
  { id: "10000", name: "Done" },
  { id: "10001", name: "Won't Do" },
  { id: "3", name: "Duplicate" },
  { id: "5", name: "Cannot Reproduce" },
];
export const RESOLUTION_WEIGHTS = [80, 8, 7, 5];

export const LINK_TYPES = [
  { name: "Relates", outward: "relates to", inward: "relates to" },
  { name: "Blocks", outward: "blocks", inward: "is blocked by" },
  { name: "Duplicate", outward: "duplicates", inward: "is duplicated by" },
  { name: "Cloners", outward: "clones", inward: "is cloned by" },
];
export const LINK_TYPE_WEIGHTS = [40, 35, 15, 10];

export const LABELS = ["backend", "frontend", "tech-debt", "customer", "regression", "ux", "performance", "日本", "срочно"];
export const COMPONENTS = ["API", "Backend, Core", "UI", "Database", "Auth & SSO", "Docs"];
export const VERSIONS = ["1.0", "1.1", "1.2.3", "2.0", "2.1", "3.0-beta"];
export const TEAMS = ["Avengers", "Team \"Rocket\"", "Back-office, EU", "東京チーム", "Команда А"];
export const STORY_POINTS = [0.5, 1, 2, 3, 5, 8, 13];

export interface Project extends ProjectSeed {
  readonly created: number;
  /** The sprints of the project's board in order (none without a board). */
  readonly sprints: Sprint[];
  counter: number;
  /** Recent issues that may be parents (bounded: memory stays flat). */
  readonly epics: number[];
  readonly recent: number[];
}

export interface Sprint {
  readonly id: number;
  readonly start: number | null;
  readonly end: number | null;
  readonly state: "closed" | "active" | "future";
}

export const ISSUE_ID_BASE = 10_000;
/** Projects are created in the first days of the window, then issues follow. */
export const PROJECTS_PERIOD = 60 * DAY;
