/**
 * The JQL subset of a report's filter (issue 15): the seed's example and each supported form turned
 * into the query layer's conditions, every refused form a 400 naming what and where, and a parsed
 * filter run through the store (both kinds) giving the same issues as the same filter written in SQL.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { entity } from "../src/core/entities/registry.js";
import { isSluiceError } from "../src/core/errors.js";
import { parseJql } from "../src/reports/jql.js";
import { startTestApp, type TestApp } from "./support/app.js";
import { STORE_KINDS } from "./support/stores.js";

const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);
const ctx = { now: NOW, currentUser: "u-42" };

describe("JQL subset → query conditions", () => {
  it("reads the seed's example", () => {
    const q = parseJql(`project = PLAT AND status in ("To Do", "In Progress") AND assignee = currentUser() AND updated >= -7d ORDER BY created DESC`, ctx);
    assert.deepEqual(q.where, [
      { column: "project_key", op: "=", value: "PLAT" },
      { column: "status", op: "in", values: ["To Do", "In Progress"] },
      { column: "assignee_id", op: "=", value: "u-42" },
      { column: "updated_date", op: "range", from: "2026-01-08T12:00:00Z" },
    ]);
    assert.deepEqual(q.orderBy, [{ column: "created_date", desc: true }]);
  });

  it("reads each supported form", () => {
    const cases: [string, unknown][] = [
      ["status != Done", { column: "status", op: "!=", value: "Done" }],
      ["type not in (Bug, 'Sub-task')", { column: "issue_type", op: "not in", values: ["Bug", "Sub-task"] }],
      ["resolution is empty", { column: "resolution", op: "is null" }],
      ["assignee IS NOT NULL", { column: "assignee_id", op: "is not null" }],
      ['summary ~ "50%_off"', { column: "summary", op: "like", value: "%50\\%\\_off%" }],
      ["created < 2025-02-01", { column: "created_date", op: "range", before: "2025-02-01T00:00:00Z" }],
      ['resolved >= "2025/01/31 10:30"', { column: "resolution_date", op: "range", from: "2025-01-31T10:30:00Z" }],
      ["due <= -2w", { column: "due_date", op: "<=", value: "2026-01-01" }],
      ["votes > 3", { column: "votes", op: ">", value: 3 }],
      ["updated >= startOfDay()", { column: "updated_date", op: "range", from: "2026-01-15T00:00:00Z" }],
    ];
    for (const [jql, condition] of cases) assert.deepEqual(parseJql(jql, ctx).where, [condition], jql);
    assert.deepEqual(parseJql("ORDER BY priority, key ASC", ctx), { where: [], orderBy: [{ column: "priority_name" }, { column: "key" }] });
    assert.deepEqual(parseJql("", ctx), { where: [], orderBy: [] });
  });

  it("refuses what it does not support, naming it and its place", () => {
    const refused: [string, RegExp][] = [
      ["project = A OR project = B", /OR is not supported.*character 13/],
      ["NOT project = A", /field.*NOT|not supported/],
      ["project = A AND NOT status = Done", /NOT is not supported/],
      ["sprint in openSprints()", /field "sprint" is not supported/],
      ["status was Done", /history operator WAS/],
      ["assignee = membersOf(devs)", /takes no arguments|not supported/],
      ["created >= lastWeek()", /function lastWeek\(\) is not supported/],
      ["project = currentUser()", /currentUser\(\) compares with assignee/],
      ["created > 2025-02-30", /not a calendar date/],
      ["created > yesterday", /not a date/],
      ['summary ~ "unclosed', /quoted value is not closed/],
      ["status in (A, B", /comma or \)/],
      ["project = A ORDER created", /ORDER must be followed by BY/],
      ["project = A project = B", /AND or ORDER BY was expected/],
      ["votes > many", /not a number/],
      ["(project = A)", /field name was expected/],
    ];
    for (const [jql, message] of refused) {
      assert.throws(() => parseJql(jql, ctx), (e: unknown) => isSluiceError(e) && e.code === "sluice.report.jql.invalid" && e.status === 400 && message.test(e.message), jql);
    }
    assert.throws(() => parseJql("assignee = currentUser()", { now: NOW }), /needs a report owner/);
  });
});

for (const kind of STORE_KINDS) {
  describe(`a JQL filter runs in the store (${kind})`, () => {
    let t: TestApp;
    before(async () => (t = await startTestApp({ store: kind })));
    after(async () => t?.close());

    it("selects the same issues as the same filter in SQL", async () => {
      const jira = (await t.ctx.store.sites.byKey("jira"))!;
      const issues = entity("jira", "issues");
      const q = parseJql(`status in (Done, "In Progress") AND created >= 2025-01-01 AND summary ~ a ORDER BY created DESC`, { now: NOW });
      const count = await t.ctx.store.data.count(jira.id, { entity: issues, where: q.where });
      const r = await t.app.inject({
        method: "POST",
        url: "/jira/rest/sql/v1/query",
        headers: t.auth,
        payload: { sql: "SELECT count(*) FROM issues WHERE status IN ('Done', 'In Progress') AND created_date >= '2025-01-01T00:00:00Z' AND lower(summary) LIKE '%a%'" },
      });
      assert.equal(r.statusCode, 200, r.body);
      assert.equal(count, (JSON.parse(r.body) as { rows: number[][] }).rows[0]![0]);
      assert.ok(count > 0);
    });
  });
}
