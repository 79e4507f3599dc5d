/** Jira Cloud: REST v3 + Agile, email + API token (Basic). */
import type { Connector } from "../connector/connector.js";
import { jiraConnector } from "./connector.js";
import { jiraCloud } from "./variant.js";

export function jiraCloudConnector(): Connector {
  return jiraConnector(jiraCloud, "--email and the API token in --api-token-env/--token-file");
}
