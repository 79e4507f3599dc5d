/**
 * Which backups a policy keeps (pure; `now` passed in). With no retention of its own a policy keeps its
 * backups for `backup.retentionDays`. With one, a backup is kept when any rule keeps it:
 *
 * - `days`: it completed less than that many days ago;
 * - `keepLast`: it is one of the newest that many;
 * - `daily` / `weekly` / `monthly`: it is the newest backup of one of the last that many UTC days,
 *   ISO weeks (Monday to Sunday) or calendar months that have a backup — grandfather-father-son as
 *   restic and borg count it: periods without a backup are skipped, so backups that stopped are never
 *   thinned away by the calendar alone.
 *
 * Everything else expires. Only restorable backups (COMPLETE, INCOMPLETE) are counted here.
 */
import { z } from "zod";
import type { BackupRetention } from "../store/port.js";

const DAY = 86_400_000;

/** A backup as retention sees it: its id and when it completed (epoch ms). */
export interface RetentionCandidate {
  id: number;
  at: number;
}

export interface RetentionDecision {
  /** Kept backups and the rules that keep each (`days`, `keepLast`, `daily 2026-01-15`, `weekly 2026-W03`, `monthly 2026-01`, `default 14 days`). */
  keep: Map<number, string[]>;
  /** Ids of the backups that expire, newest first. */
  expire: number[];
}

const RULE_LIMIT = 10_000;
const count = (what: string) => {
  const allowed = `a whole number from 1 to ${RULE_LIMIT} (${what})`;
  return z.number({ error: allowed }).int(allowed).min(1, allowed).max(RULE_LIMIT, allowed).optional();
};

/** A policy's `retention` as the API takes it: positive whole numbers, at least one of them. */
export const retentionSchema = z
  .strictObject({
    days: count("keep every backup younger than this many days"),
    keepLast: count("keep this many newest backups"),
    daily: count("keep the newest backup of this many last days that have one"),
    weekly: count("keep the newest backup of this many last ISO weeks that have one"),
    monthly: count("keep the newest backup of this many last months that have one"),
  })
  .refine((r) => Object.values(r).some((v) => v !== undefined), "give at least one of days, keepLast, daily, weekly, monthly (or null: the server's backup.retentionDays)");

/** `2026-01-15` */
export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** `2026-01` */
export function utcMonth(ms: number): string {
  return new Date(ms).toISOString().slice(0, 7);
}

/** The ISO week of an instant in UTC: `2026-W03` (the week's year is its Thursday's). */
export function isoWeek(ms: number): string {
  const d = new Date(ms);
  const fromMonday = (d.getUTCDay() + 6) % 7;
  const thursday = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() - fromMonday + 3));
  const year = thursday.getUTCFullYear();
  const week = Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / (7 * DAY)) + 1;
  return `${year}-W${String(week).padStart(2, "0")}`;
}

/** The backups to keep and to expire. */
export function applyRetention(backups: readonly RetentionCandidate[], retention: BackupRetention | null, defaultDays: number, now: number): RetentionDecision {
  const newest = [...backups].sort((a, b) => b.at - a.at || b.id - a.id);
  const keep = new Map<number, string[]>();
  const add = (id: number, why: string) => keep.set(id, [...(keep.get(id) ?? []), why]);
  if (retention === null) {
    for (const b of newest) if (now - b.at < defaultDays * DAY) add(b.id, `default ${defaultDays} days`);
  } else {
    if (retention.days !== undefined) for (const b of newest) if (now - b.at < retention.days * DAY) add(b.id, "days");
    if (retention.keepLast !== undefined) for (const b of newest.slice(0, retention.keepLast)) add(b.id, "keepLast");
    const periods: [string, number | undefined, (ms: number) => string][] = [
      ["daily", retention.daily, utcDay],
      ["weekly", retention.weekly, isoWeek],
      ["monthly", retention.monthly, utcMonth],
    ];
    for (const [rule, n, period] of periods) {
      if (n === undefined) continue;
      let last: string | undefined;
      let kept = 0;
      // Newest first: the first backup of each period met is that period's newest.
      for (const b of newest) {
        if (kept >= n) break;
        const p = period(b.at);
        if (p === last) continue;
        last = p;
        kept++;
        add(b.id, `${rule} ${p}`);
      }
    }
  }
  return { keep, expire: newest.filter((b) => !keep.has(b.id)).map((b) => b.id) };
}

/** How long a backup that failed keeps its local copy: the policy's `days`, else `backup.retentionDays`. */
export function keptCopyDays(retention: BackupRetention | null, defaultDays: number): number {
  return retention?.days ?? defaultDays;
}
