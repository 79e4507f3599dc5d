/**
 * Saved SQL queries and dashboards, as the store keeps them and the API accepts them: a query's chart
 * (which columns go where) and a dashboard's items (saved queries, in order, each half or full width).
 * One zod schema per shape, used by the API's contract and read by the store; pure.
 */
import { z } from "zod";

export const VISIBILITIES = ["private", "public"] as const;
export type Visibility = (typeof VISIBILITIES)[number];

export const CHART_TYPES = ["table", "bar", "line", "pie"] as const;
export type ChartType = (typeof CHART_TYPES)[number];

const column = z.string().min(1).max(200);

/**
 * How a query's rows are drawn. `x`: the column of the labels (the x axis of a bar or line chart, the
 * slices of a pie). `y`: the value columns, one series each. `series`: instead, a column whose values
 * name the series (rows in long form: x, series, one y). A table needs neither.
 */
export const chartSpec = z
  .object({
    type: z.enum(CHART_TYPES),
    x: column.optional(),
    y: z.array(column).max(12).default([]),
    series: column.optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.type === "table") return;
    if (c.x === undefined) ctx.addIssue({ code: "custom", path: ["x"], message: `a ${c.type} chart needs its label column (x)` });
    if (c.y.length === 0) ctx.addIssue({ code: "custom", path: ["y"], message: `a ${c.type} chart needs at least one value column (y)` });
    if ((c.type === "pie" || c.series !== undefined) && c.y.length > 1) {
      ctx.addIssue({ code: "custom", path: ["y"], message: c.type === "pie" ? "a pie chart has one value column" : "with a series column, give one value column" });
    }
    if (c.type === "pie" && c.series !== undefined) ctx.addIssue({ code: "custom", path: ["series"], message: "a pie chart has no series column" });
  });

export type ChartSpec = z.output<typeof chartSpec>;

export const DASHBOARD_WIDTHS = ["half", "full"] as const;

export const dashboardItem = z
  .object({
    queryId: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
    width: z.enum(DASHBOARD_WIDTHS).default("half"),
  })
  .strict();

export type DashboardItem = z.output<typeof dashboardItem>;

/** At most this many charts on one dashboard. */
export const MAX_DASHBOARD_ITEMS = 50;

export const dashboardItems = z
  .array(dashboardItem)
  .max(MAX_DASHBOARD_ITEMS)
  .superRefine((items, ctx) => {
    const seen = new Set<number>();
    items.forEach((item, i) => {
      if (seen.has(item.queryId)) ctx.addIssue({ code: "custom", path: [i, "queryId"], message: `query ${item.queryId} is on the dashboard twice` });
      seen.add(item.queryId);
    });
  });
