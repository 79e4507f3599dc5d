/** The site's export schedule as kept in settings: the schedule and its next run (claimed atomically). */
import type { Schedule } from "../core/schedule.js";

export const SCHEDULE_SETTING = "schedule";

export interface StoredSchedule {
  schedule: Schedule;
  nextRunAt: number;
}
