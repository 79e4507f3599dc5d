/**
 * Bar and line charts drawn by uPlot (MIT, ~50 KB: chosen for size, docs/benchmarks.md "Console
 * bundle") on a canvas, categories along x. Several series stack as bars or draw one line each. The
 * canvas is a picture for sighted readers; the figure's label and the table under it say the same.
 */
import { useEffect, useRef } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { colorOf } from "../components/bar-chart.js";
import type { ChartData } from "./chart-data.js";

const HEIGHT = 260;
const AXIS = "#5b6475";
const GRID = "#e5e7eb";
const FONT = '12px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
const compact = new Intl.NumberFormat("en", { notation: "compact", maximumFractionDigits: 2 });

/** A label cut to 24 characters. */
const short = (label: string) => (label.length > 24 ? `${label.slice(0, 23)}…` : label);

/** Category indices to label: every `step`th, so that labels (about 6.5 px a character) do not overlap. */
function labelSplits(labels: readonly string[], width: number): number[] {
  const count = labels.length;
  const widest = Math.max(...labels.map((l) => Math.min(l.length, 24))) * 6.5 + 12;
  const step = Math.max(1, Math.ceil((count * widest) / Math.max(1, width)));
  const out: number[] = [];
  for (let i = 0; i < count; i += step) out.push(i);
  return out;
}

/** Running totals, for stacked bars: series i is the sum of series 0..i. */
function stack(values: (number | null)[][]): (number | null)[][] {
  const sums = values[0]?.map(() => 0) ?? [];
  return values.map((series) => series.map((v, i) => (sums[i] = (sums[i] ?? 0) + (v ?? 0))));
}

function options(type: "bar" | "line", data: ChartData, width: number, onBars: (n: number) => void): uPlot.Options {
  const count = data.labels.length;
  const names = data.series.map((s) => s.name);
  let drawn = 0;
  const bars = uPlot.paths.bars?.({ size: [0.6, 64], align: 0, each: () => void drawn++ });
  const series: uPlot.Series[] = data.series.map((s) => ({
    label: s.name,
    stroke: colorOf(names, s.name),
    width: type === "bar" ? 0 : 2,
    ...(type === "bar" ? { fill: colorOf(names, s.name), paths: bars, points: { show: false } } : { points: { show: count <= 60, size: 5 } }),
  }));
  return {
    width,
    height: HEIGHT,
    legend: { show: false },
    cursor: { drag: { x: false, y: false } },
    scales: {
      x: { time: false, range: () => [-0.5, Math.max(0.5, count - 0.5)] },
      ...(type === "bar" ? { y: { range: (_u, min, max) => [Math.min(0, min), max > 0 ? max * 1.05 : 1] } } : {}),
    },
    axes: [
      {
        stroke: AXIS,
        font: FONT,
        grid: { show: false },
        // The plot is the chart less the y axis (about 50 px).
        splits: (u) => labelSplits(data.labels, u.width - 50),
        values: (_u, splits) => splits.map((i) => short(data.labels[i] ?? "")),
      },
      { stroke: AXIS, font: FONT, grid: { stroke: GRID, width: 1 }, values: (_u, splits) => splits.map((v) => compact.format(v)) },
    ],
    // Stacked bars draw the tallest (the total) first, each smaller part over it.
    series: [{}, ...(type === "bar" ? [...series].reverse() : series)],
    hooks: {
      drawClear: [() => void (drawn = 0)],
      draw: [() => onBars(drawn)],
    },
  };
}

export function UplotChart({ type, data }: { type: "bar" | "line"; data: ChartData }) {
  const holder = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const el = holder.current;
    if (!el) return undefined;
    const values = data.series.map((s) => s.values);
    const ys = type === "bar" ? stack(values).reverse() : values;
    const width = () => Math.max(240, Math.floor(el.clientWidth));
    const onBars = (n: number) => el.setAttribute("data-bars-drawn", String(n));
    const chart = new uPlot(options(type, data, width(), onBars), [data.labels.map((_, i) => i), ...ys], el);
    let frame = 0;
    const observer = new ResizeObserver(() => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(() => {
        if (width() !== chart.width) chart.setSize({ width: width(), height: HEIGHT });
      });
    });
    observer.observe(el);
    return () => {
      cancelAnimationFrame(frame);
      observer.disconnect();
      chart.destroy();
    };
  }, [type, data]);

  return <div ref={holder} className="uplot-holder" data-chart={type} />;
}
