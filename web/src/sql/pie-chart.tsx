/** A pie chart as a small SVG (uPlot draws no pies): one slice per label, biggest share first in the legend. */
import { colorOf } from "../components/bar-chart.js";
import type { ChartData } from "./chart-data.js";

const R = 90;
const C = 100;

function point(angle: number): string {
  return `${(C + R * Math.sin(angle)).toFixed(2)} ${(C - R * Math.cos(angle)).toFixed(2)}`;
}

export function PieChart({ data }: { data: ChartData }) {
  const values = data.series[0]?.values ?? [];
  const slices = data.labels.map((label, i) => ({ label, value: Math.max(0, values[i] ?? 0) })).filter((s) => s.value > 0);
  const total = slices.reduce((sum, s) => sum + s.value, 0);
  const labels = slices.map((s) => s.label);
  let angle = 0;
  return (
    <div className="pie">
      <svg viewBox="0 0 200 200" data-chart="pie" aria-hidden="true">
        {slices.length === 1 && <circle cx={C} cy={C} r={R} fill={colorOf(labels, labels[0] ?? "")} />}
        {slices.length > 1 &&
          slices.map((s) => {
            const start = angle;
            angle += (s.value / total) * 2 * Math.PI;
            const large = angle - start > Math.PI ? 1 : 0;
            return (
              <path key={s.label} d={`M ${C} ${C} L ${point(start)} A ${R} ${R} 0 ${large} 1 ${point(angle)} Z`} fill={colorOf(labels, s.label)} stroke="#fff" strokeWidth="1">
                <title>{`${s.label}: ${s.value}`}</title>
              </path>
            );
          })}
      </svg>
      <ul className="legend pie-legend" aria-label="Legend">
        {slices.map((s) => (
          <li key={s.label}>
            <span className="swatch" style={{ background: colorOf(labels, s.label) }} aria-hidden="true" />
            {s.label} <span className="muted">{Math.round((s.value / total) * 1000) / 10}%</span>
          </li>
        ))}
      </ul>
    </div>
  );
}
