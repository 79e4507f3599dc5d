/** The parts of Jira's REST responses the connector reads (Cloud v3 and Data Center v2). */
export interface JiraUser {
  /** Cloud. */
  accountId?: string;
  accountType?: string;
  /** Data Center. */
  key?: string;
  name?: string;
  displayName?: string;
  /** Absent when the user hides it (Cloud privacy settings). */
  emailAddress?: string;
  active?: boolean;
  self?: string;
}

export interface JiraChangeItem {
  field: string;
  fieldtype?: string;
  fieldId?: string;
  from?: string | null;
  fromString?: string | null;
  to?: string | null;
  toString?: string | null;
}

export interface JiraHistory {
  id: string;
  author?: JiraUser;
  created: string;
  items: JiraChangeItem[];
}

export interface JiraChangelog {
  startAt: number;
  maxResults: number;
  total: number;
  histories: JiraHistory[];
}

export interface JiraIssueLink {
  id: string;
  type: { id: string; name: string; inward: string; outward: string };
  inwardIssue?: { id: string; key: string };
  outwardIssue?: { id: string; key: string };
}

export interface JiraIssue {
  id: string;
  key: string;
  self?: string;
  fields: Record<string, unknown>;
  changelog?: JiraChangelog;
}

/** Cloud `GET /rest/api/3/search/jql`. */
export interface JqlSearchPage {
  issues: JiraIssue[];
  nextPageToken?: string;
  isLast?: boolean;
}

/** Data Center `GET /rest/api/2/search`. */
export interface OffsetSearchPage {
  expand?: string;
  startAt: number;
  maxResults: number;
  total: number;
  issues: JiraIssue[];
}

/** Cloud `GET /rest/api/3/issue/{id}/changelog`. */
export interface ChangelogPage {
  self?: string;
  nextPage?: string;
  startAt: number;
  maxResults: number;
  total: number;
  isLast?: boolean;
  values: JiraHistory[];
}

export interface JiraField {
  id: string;
  name: string;
  custom: boolean;
  schema?: { type?: string; custom?: string; system?: string };
}

export interface JiraPriority {
  id: string;
  name: string;
}

/** `GET /rest/api/{2,3}/worklog/updated` and `/worklog/deleted`. */
export interface WorklogChangePage {
  values: { worklogId: number; updatedTime: number; properties?: unknown[] }[];
  since: number;
  until: number;
  self?: string;
  nextPage?: string;
  lastPage: boolean;
}

export interface JiraWorklog {
  id: string;
  issueId: string;
  author?: JiraUser;
  updateAuthor?: JiraUser;
  comment?: unknown;
  created: string;
  updated: string;
  started: string;
  timeSpent?: string;
  timeSpentSeconds: number;
}

/** Agile `GET /rest/agile/1.0/board` and `/board/{id}/sprint`. */
export interface AgilePage<T> {
  maxResults: number;
  startAt: number;
  total?: number;
  isLast: boolean;
  values: T[];
}

export interface AgileBoard {
  id: number;
  name: string;
  /** `scrum`, `kanban`, `simple` or another board type. */
  type: string;
}

export interface AgileSprint {
  id: number;
  state: string;
  name: string;
  startDate?: string;
  endDate?: string;
  completeDate?: string;
  originBoardId?: number;
  goal?: string;
}
