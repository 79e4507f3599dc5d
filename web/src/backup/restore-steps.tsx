/** Where a restore is: the wizard's three steps, then its checks, its progress and its report. */
export const RESTORE_STEPS = ["Backup", "Destination", "Options", "Checks and consent", "Progress", "Report"] as const;

export function RestoreSteps({ current }: { current: number }) {
  return (
    <ol className="steps" aria-label="Restore steps">
      {RESTORE_STEPS.map((step, i) => (
        <li key={step} className={i < current ? "done" : i === current ? "current" : undefined} aria-current={i === current ? "step" : undefined}>
          <span className="step-number" aria-hidden="true">
            {i + 1}
          </span>{" "}
          {step}
          {i < current && <span className="sr-only"> (done)</span>}
        </li>
      ))}
    </ol>
  );
}
