/** The id-only sweep of issues (deleted issues go, with every row the registry says belongs to them). */
import type { Sweep } from "../connector/connector.js";
import type { JqlSearchPage, OffsetSearchPage } from "./api-types.js";
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
      for (let startAt = 0; ; ) {
        const page = await ctx.http.get<OffsetSearchPage>(`${variant.api}/search`, {
          entity: "issues",
          query: { jql: ALL_ISSUES_JQL, startAt, maxResults: PAGE, fields: "id" },
        });
        yield page.issues.map((i) => i.id);
        startAt += page.issues.length;
        if (page.issues.length === 0 || startAt >= page.total) return;
      }
    },
  };
}
