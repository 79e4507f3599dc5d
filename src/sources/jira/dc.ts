/** Jira Data Center / Server: REST v2 + Agile, personal access token (Bearer). */
import type { Connector } from "../connector/connector.js";
import { jiraConnector } from "./connector.js";
import { jiraDc } from "./variant.js";

export function jiraDcConnector(): Connector {
  return jiraConnector(jiraDc, "the personal access token in --api-token-env/--token-file");
}
