/** Connector kinds → connectors. Adding a kind means adding a source folder and one line here. */
import { bitbucketCloudConnector } from "./bitbucket/cloud.js";
import { bitbucketDcConnector } from "./bitbucket/dc.js";
import { confluenceCloudConnector } from "./confluence/cloud.js";
import { confluenceDcConnector } from "./confluence/dc.js";
import { jiraCloudConnector } from "./jira/cloud.js";
import { jiraDcConnector } from "./jira/dc.js";
import type { Connector } from "./connector/connector.js";
import type { SourceConfig, SourceKind } from "./connector/source-config.js";
import { sourceError } from "./connector/source-error.js";

const CONNECTORS: Record<SourceKind, () => Connector> = {
  "jira-cloud": jiraCloudConnector,
  "jira-dc": jiraDcConnector,
  "confluence-cloud": confluenceCloudConnector,
  "confluence-dc": confluenceDcConnector,
  "bitbucket-cloud": bitbucketCloudConnector,
  "bitbucket-dc": bitbucketDcConnector,
};

export function connectorFor(config: SourceConfig): Connector {
  const make = CONNECTORS[config.kind];
  if (!make) throw sourceError(`the ${config.kind} connector is not available yet`, {}, "sluice.source.invalid");
  return make();
}
