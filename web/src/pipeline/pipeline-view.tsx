import { useCallback, useRef, useState } from "react";
import { errorText } from "../api/client.js";
import type { PipelineApi } from "../api/pipeline.js";
import type { Job, Site } from "../api/types.js";
import { isRunning } from "../app/format.js";
import { usePoll } from "../app/use-poll.js";
import { FieldError } from "../components/field-error.js";
import { CurrentExport } from "./current-export.js";
import { ExportsChart } from "./exports-chart.js";
import { HistoryTable } from "./history-table.js";
import { ExportPathForm } from "./export-path-form.js";
import { ScheduleForm } from "./schedule-form.js";
import { OptOutEditor } from "./optout-editor.js";
import { routeKeyOf } from "../sites/use-site.js";

/** Status, live progress, history, chart and settings of one site's Data pipeline. */
export function PipelineView({ site, pipeline }: { site: Site; pipeline: PipelineApi }) {
  const [job, setJob] = useState<Job | null | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  // Bumped whenever a job starts or ends, so the history and chart reload.
  const [generation, setGeneration] = useState(0);
  const jobRef = useRef<Job | null | undefined>(undefined);

  const refresh = useCallback(async () => {
    try {
      const next = await pipeline.currentJob();
      setError(null);
      const previous = jobRef.current;
      jobRef.current = next;
      if (previous === undefined || previous?.jobId !== next?.jobId || previous?.status !== next?.status) {
        setGeneration((g) => g + 1);
      }
      setJob(next);
    } catch (e) {
      setError(`Could not read the export status: ${errorText(e)}`);
    }
  }, [pipeline]);

  const running = isRunning(job?.status);
  usePoll(refresh, running ? 1000 : 5000);

  const onJobChanged = useCallback(
    (next: Job | null) => {
      if (next) {
        jobRef.current = next;
        setJob(next);
      }
      setGeneration((g) => g + 1);
      void refresh();
    },
    [refresh],
  );

  return (
    <div className="pipeline">
      <FieldError message={error} />
      <CurrentExport siteKey={routeKeyOf(site)} job={job} pipeline={pipeline} onJobChanged={onJobChanged} />
      <div className="two-col">
        <HistoryTable siteKey={routeKeyOf(site)} pipeline={pipeline} generation={generation} />
        <ExportsChart pipeline={pipeline} generation={generation} />
      </div>
      <h2 className="section-title">Settings</h2>
      <div className="settings-grid">
        <ExportPathForm pipeline={pipeline} />
        <ScheduleForm pipeline={pipeline} />
        <OptOutEditor site={site} pipeline={pipeline} generation={generation} />
      </div>
    </div>
  );
}
