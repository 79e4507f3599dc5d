/**
 * The id-only sweep of issues (deleted issues go, with every row the registry says belongs to them).
 * Data Center pages by position: an issue deleted during the sweep shifts the others, so pages overlap
 * and step back until they meet the previous one (`overlappingPages`) — a live issue a shift hid
 * would be deleted.
 */
import type { Sweep } from "../connector/connector.js";
import { overlappingPages } from "../connector/overlapping-pages.js";
import type { JiraIssue, JqlSearchPage, OffsetSearchPage } from "./api-types.js";
import { ALL_ISSUES_JQL } from "./jql.js";
import type { JiraVariant } from "./variant.js";

const PAGE = 1000;

export function issueSweep(variant: JiraVariant): Sweep {
  return {
    entity: "issues",
    async *ids(ctx) {
      if (variant.cloud) {
        let token: string | undefined;
        do {
          const page = await ctx.http.get<JqlSearchPage>(`${variant.api}/search/jql`, {
            entity: "issues",
            query: { jql: ALL_ISSUES_JQL, maxResults: PAGE, fields: "id", nextPageToken: token },
          });
          yield page.issues.map((i) => i.id);
          token = page.isLast === true ? undefined : (page.nextPageToken ?? undefined);
        } while (token);
        return;
      }
      const fetch = async (startAt: number) => {
        const page = await ctx.http.get<OffsetSearchPage>(`${variant.api}/search`, {
          entity: "issues",
          query: { jql: ALL_ISSUES_JQL, startAt, maxResults: PAGE, fields: "id" },
        });
        const after = startAt + page.issues.length;
        return { values: page.issues, isLastPage: page.issues.length === 0 || after >= page.total, nextPageStart: after };
      };
      for await (const issues of overlappingPages<JiraIssue>(fetch, (i) => i.id, () => 0)) yield issues.map((i) => i.id);
    },
  };
}
