/**
 * Unix seconds → `2021-01-03T20:57:10Z`, the same text as `isoUtcSeconds` (core/time.ts) but without a
 * `Date` per call: commits are millions of rows, each with two dates. The calendar part is computed
 * once per day and kept for the length of one read.
 */
import { isoUtcSeconds } from "../../core/time.js";

const TWO = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, "0"));
/** 0000-01-01 and 10000-01-01 in unix seconds: outside, `isoUtcSeconds` writes signed years. */
const MIN = -62_167_219_200;
const MAX = 253_402_300_800;

export function utcSecondsFormatter(): (seconds: number) => string | null {
  const days = new Map<number, string>();
  return (seconds) => {
    if (!Number.isFinite(seconds)) return null;
    if (seconds < MIN || seconds >= MAX) return Math.abs(seconds) <= 8.64e12 ? isoUtcSeconds(seconds * 1000) : null;
    const s = Math.floor(seconds);
    const day = Math.floor(s / 86_400);
    let prefix = days.get(day);
    if (prefix === undefined) {
      prefix = new Date(day * 86_400_000).toISOString().slice(0, 11);
      days.set(day, prefix);
    }
    const rest = s - day * 86_400;
    return `${prefix}${TWO[Math.floor(rest / 3600)]}:${TWO[Math.floor((rest % 3600) / 60)]}:${TWO[rest % 60]}Z`;
  };
}
