/**
 * Recurrences of the schedules table: what repeats (minute, hour, day, week, month, year), every how
 * many, on which weekdays or day of the month, at what wall-clock time in which IANA zone, from `start`
 * until `end`. Pure: the instant to count from is always passed in.
 *
 * This is the entry point; the parts live beside it: the type and its limits in `recurrence-model.ts`,
 * validation in `recurrence-validate.ts`, runs in `recurrence-runs.ts`, the English sentence in
 * `recurrence-describe.ts`, calendar dates and the DST rules in `recurrence-calendar.ts`.
 */
export type { Recurrence, RecurrenceUnit } from "./recurrence-model.js";
export { validateRecurrence, type RecurrenceValidation } from "./recurrence-validate.js";
export { nextRun, nextRuns } from "./recurrence-runs.js";
export { describeRecurrence } from "./recurrence-describe.js";
