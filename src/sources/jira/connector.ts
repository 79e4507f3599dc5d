/** The Jira connector, one contract for Cloud and Data Center: users (and every user an issue or worklog refers to), issues (with fields, history, links), worklogs, sprints. */
import type { Connector } from "../connector/connector.js";
import { issueStream } from "./issue-stream.js";
import { issueSweep } from "./issue-sweep.js";
import { sprintStream } from "./sprint-stream.js";
import { userStream } from "./user-stream.js";
import type { JiraVariant } from "./variant.js";
import { worklogStream } from "./worklog-stream.js";

export function jiraConnector(variant: JiraVariant, authHint: string): Connector {
  return {
    kind: variant.kind,
    product: "jira",
    authHint,
    streams: [userStream(variant), issueStream(variant), worklogStream(variant), sprintStream()],
    sweeps: [issueSweep(variant)],
  };
}
