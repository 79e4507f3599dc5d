/** What differs between Jira Cloud and Jira Data Center for the same connector contract. */
import { adfToText } from "./adf.js";
import type { JiraUser } from "./api-types.js";

export interface JiraVariant {
  readonly kind: "jira-cloud" | "jira-dc";
  /** REST root: `/rest/api/3` (Cloud) or `/rest/api/2` (Data Center). */
  readonly api: string;
  readonly cloud: boolean;
  /** A user's stable id: the Cloud accountId, the Data Center user key. */
  userId(user: JiraUser | null | undefined): string | null;
  /** The user name of schema 1 (`creator_name`): DC login name, Cloud display name. */
  userName(user: JiraUser | null | undefined): string | null;
  /** Rich text (ADF on Cloud v3, wiki markup string on DC) to text. */
  text(value: unknown): string | null;
}

export const jiraCloud: JiraVariant = {
  kind: "jira-cloud",
  api: "/rest/api/3",
  cloud: true,
  userId: (u) => u?.accountId ?? null,
  userName: (u) => u?.displayName ?? null,
  text: adfToText,
};

export const jiraDc: JiraVariant = {
  kind: "jira-dc",
  api: "/rest/api/2",
  cloud: false,
  userId: (u) => u?.key ?? u?.name ?? null,
  userName: (u) => u?.name ?? null,
  text: (v) => (v === null || v === undefined ? null : typeof v === "string" ? v : adfToText(v)),
};
