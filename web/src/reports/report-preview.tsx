/** The first rows of a report as its owner's file would hold them, as the viewer sees them. */
import type { Preview } from "../api/reports.js";
import { count } from "../app/format.js";
import { ResultTable } from "../sql/result-table.js";

function rowsText(n: number, limit: number): string {
  if (n === 0) return "No rows: the file would be empty.";
  if (n < limit) return `${count(n)} ${n === 1 ? "row" : "rows"}: all of them.`;
  return `The first ${count(n)} rows.`;
}

/** `limit`: the rows asked for (fewer came: that is all). */
export function ReportPreview({ preview, loading, limit }: { preview: Preview | null; loading: boolean; limit: number }) {
  let status = "";
  if (loading) status = "Loading the preview…";
  else if (preview) status = rowsText(preview.rows.length, limit);
  return (
    <div className="report-preview">
      <p className="run-status muted" role="status" data-testid="preview-status">
        {status}
      </p>
      {preview && !loading && preview.rows.length > 0 && <ResultTable columns={preview.columns} rows={preview.rows} label="Report preview" />}
    </div>
  );
}
