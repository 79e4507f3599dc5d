/** A small hand-made SVG bar chart (stacked when a bar has several segments). No chart library. */

export interface BarSegment {
  series: string;
  value: number;
}

export interface Bar {
  label: string;
  segments: BarSegment[];
}

export interface BarChartProps {
  title: string;
  bars: Bar[];
  series: string[];
  format: (value: number) => string;
}

export const PALETTE = ["#2563eb", "#16a34a", "#d97706", "#9333ea", "#dc2626", "#0891b2", "#4d7c0f", "#be185d", "#64748b"];

const WIDTH = 480;
const HEIGHT = 200;
const LEFT = 56;
const RIGHT = 8;
const TOP = 10;
const BOTTOM = 26;

const TICKS = 4;

/** The top of the axis: four equal steps of 1, 2, 2.5 or 5 × a power of ten. */
function niceMax(value: number): number {
  if (value <= 0) return TICKS;
  const raw = value / TICKS;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  return step * TICKS;
}

export function colorOf(series: string[], name: string): string {
  const index = series.indexOf(name);
  return PALETTE[(index >= 0 ? index : 0) % PALETTE.length] ?? "#64748b";
}

export function BarChart({ title, bars, series, format }: BarChartProps) {
  const totals = bars.map((b) => b.segments.reduce((sum, s) => sum + Math.max(0, s.value), 0));
  const max = niceMax(Math.max(0, ...totals));
  const plotWidth = WIDTH - LEFT - RIGHT;
  const plotHeight = HEIGHT - TOP - BOTTOM;
  const slot = bars.length > 0 ? plotWidth / bars.length : plotWidth;
  const barWidth = Math.min(36, slot * 0.6);
  const ticks = Array.from({ length: TICKS + 1 }, (_, i) => (i / TICKS) * max);
  const y = (value: number) => TOP + plotHeight - (value / max) * plotHeight;
  const summary = bars.map((b, i) => `${b.label}: ${format(totals[i] ?? 0)}`).join("; ");

  return (
    <figure className="chart">
      <figcaption>{title}</figcaption>
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={`${title}. ${summary}`} preserveAspectRatio="xMidYMid meet">
        {ticks.map((tick) => (
          <g key={tick}>
            <line x1={LEFT} x2={WIDTH - RIGHT} y1={y(tick)} y2={y(tick)} className="grid" />
            <text x={LEFT - 6} y={y(tick) + 4} textAnchor="end" className="axis">
              {format(tick)}
            </text>
          </g>
        ))}
        {bars.map((bar, i) => {
          const x = LEFT + slot * i + (slot - barWidth) / 2;
          let base = 0;
          return (
            <g key={bar.label}>
              {bar.segments.map((segment) => {
                const value = Math.max(0, segment.value);
                const top = y(base + value);
                const height = y(base) - top;
                base += value;
                return (
                  <rect key={segment.series} x={x} y={top} width={barWidth} height={Math.max(0, height)} fill={colorOf(series, segment.series)}>
                    <title>{`${bar.label} · ${segment.series}: ${format(value)}`}</title>
                  </rect>
                );
              })}
              <text x={x + barWidth / 2} y={HEIGHT - 8} textAnchor="middle" className="axis">
                {bar.label}
              </text>
            </g>
          );
        })}
      </svg>
      {series.length > 1 && (
        <ul className="legend" aria-label="Legend">
          {series.map((name) => (
            <li key={name}>
              <span className="swatch" style={{ background: colorOf(series, name) }} aria-hidden="true" />
              {name}
            </li>
          ))}
        </ul>
      )}
    </figure>
  );
}
