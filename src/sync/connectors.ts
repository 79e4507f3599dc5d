/** Connector kinds → connectors. Adding a kind means adding a source folder and one line here. */
import { bitbucketCloudConnector } from "../sources/bitbucket/cloud.js";
import { bitbucketDcConnector } from "../sources/bitbucket/dc.js";
import { confluenceCloudConnector } from "../sources/confluence/cloud.js";
import { confluenceDcConnector } from "../sources/confluence/dc.js";
import { jiraCloudConnector } from "../sources/jira/cloud.js";
import { jiraDcConnector } from "../sources/jira/dc.js";
import type { Connector } from "./connector.js";
import type { SourceConfig, SourceKind } from "./source-config.js";
import { SyncError } from "./sync-error.js";

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
  if (!make) throw new SyncError(`the ${config.kind} connector is not available yet`);
  const connector = make();
  // Commits read from a git mirror by the git source are not asked of the API.
  if (config.commitsFrom === "git") return { ...connector, streams: connector.streams.filter((s) => s.name !== "commits") };
  return connector;
}
