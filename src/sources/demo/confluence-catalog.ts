/** The fixed vocabulary of the demo Confluence (named spaces, labels, id ranges) and its shapes. */
import { DAY } from "./dates.js";
import type { User } from "./people.js";

export interface Space {
  readonly key: string;
  readonly id: number;
  readonly created: number;
  readonly owner: User;
  /** A personal space (`~user`): its owner writes nearly all of it. */
  readonly personal: boolean;
}

export const PAGE_ID_BASE = 100_000;
export const SPACE_ID_BASE = 131_073;
/** Spaces are created in the first days of the window, then pages follow. */
export const SPACES_PERIOD = 120 * DAY;

export const GLOBAL_SPACES: readonly (readonly [string, string])[] = [
  ["ENG", "Engineering"],
  ["DOCS", "Documentation & Guides"],
  ["HR", "People, Culture and HR"],
  ["MKT", 'Marketing "Brand" Hub'],
  ["OPS", "Operations 🚀"],
  ["SALES", "営業 / Sales"],
  ["LEGAL", "Юридический отдел"],
  ["DESIGN", "Σχεδιασμός (Design)"],
  ["SUP", "الدعم Support"],
  ["FIN", "Finance\tand Accounting"],
];

export const LABELS = [
  "meeting-notes", "how-to", "architecture", "decision", "retrospective", "onboarding", "api", "release",
  "faq", "draft", "kb-article", "日本語", "документация", "q3-planning",
];
