/**
 * Sprints of every board that has them (Agile REST, same on Cloud and Data Center), read whole each run:
 * company-managed scrum boards and team-managed (`simple`) boards alike; a board without sprints answers
 * 400 and is passed over.
 */
import type { Batch, Stream, StreamContext, SyncRecord } from "../connector/connector.js";
import type { AgileBoard, AgilePage, AgileSprint } from "./api-types.js";

async function* agilePages<T>(ctx: StreamContext, path: string, entity: string, allow: readonly number[] = []): AsyncIterable<T[]> {
  for (let startAt = 0; ; ) {
    const page = await ctx.http.request<AgilePage<T>>(path, { entity, query: { startAt, maxResults: 50 }, allow });
    // A site without Jira Software has no Agile API (404): it has no sprints either.
    if (!page) return;
    yield page.values;
    startAt += page.values.length;
    if (page.isLast || page.values.length === 0) return;
  }
}

export function sprintStream(): Stream {
  return {
    name: "sprints",
    entities: ["sprints"],
    async *read(ctx): AsyncIterable<Batch> {
      for await (const boards of agilePages<AgileBoard>(ctx, "/rest/agile/1.0/board", "sprints", [404])) {
        for (const board of boards) {
          // Kanban boards have no sprints; a team-managed board has them when its sprints are on (else 400).
          if (board.type === "kanban") continue;
          for await (const sprints of agilePages<AgileSprint>(ctx, `/rest/agile/1.0/board/${board.id}/sprint`, "sprints", board.type === "scrum" ? [] : [400])) {
            const records: SyncRecord[] = sprints.map((s) => ({
              sprint_id: s.id,
              board_id: s.originBoardId ?? board.id,
              name: s.name,
              state: s.state,
              goal: s.goal,
              start_date: s.startDate,
              end_date: s.endDate,
              complete_date: s.completeDate,
            }));
            yield { records: { sprints: records }, checkpoint: {}, items: records.length };
          }
        }
      }
    },
  };
}
