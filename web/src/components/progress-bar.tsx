/** A labelled progress bar (native `<progress>`, so assistive technology reads it). */
export function ProgressBar({ value, max, label }: { value: number; max: number; label: string }) {
  const safeMax = max > 0 ? max : 1;
  const clamped = Math.min(Math.max(value, 0), safeMax);
  return <progress className="bar" value={clamped} max={safeMax} aria-label={label} />;
}
