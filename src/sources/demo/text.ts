/**
 * Demo text. Sentences and paragraphs are built once per run into pools, and long text is sampled
 * from the pools (never char by char), so a million 2 kB pages cost little more than their I/O.
 * The pools carry what breaks naive CSV handling: quotes, commas, CR, LF, CRLF, tabs, emoji with
 * surrogate pairs, Japanese, Cyrillic, Arabic and Greek text, and leading/trailing spaces.
 */
import type { Rng } from "./random.js";

const WORDS = (
  "the a release deploy migration customer report roadmap service latency budget review draft " +
  "meeting notes design api schema dashboard incident postmortem backlog sprint quality test " +
  "coverage pipeline cluster database index cache query export import onboarding security audit " +
  "policy template checklist retro goal metric owner team feature flag rollout config partner " +
  "invoice billing search mobile web desktop release-notes hotfix upgrade plugin permission space " +
  "page comment approve merge branch build artifact queue worker scheduler timeout retry"
).split(" ");

/** Words from other scripts and emoji (astral ones take two UTF-16 units; some are ZWJ sequences). */
const FOREIGN = [
  "日本語", "会議のメモ", "リリース", "テスト", "Привет", "отчёт", "встреча", "релиз", "مرحبا", "تقرير",
  "اجتماع", "Καλημέρα", "έκθεση", "σύσκεψη", "🚀", "👍🏽", "🎉", "✅", "🔥", "👨‍👩‍👧", "🇯🇵", "😀",
];

const QUOTED = ['"quoted"', '"a, b and c"', "'single'", '"he said ""hi"""', "«guillemets»", "“curly”"];

/** Every special class in one paragraph: used for the first row of each generator. */
export const EDGE_CASE_TEXT =
  ' Edge case: "double quotes", commas, and; semicolons.\tTab\there. ' +
  "CRLF line\r\nCR line\rLF line\n" +
  "Emoji 🚀 👍🏽 👨‍👩‍👧 ✅; 日本語のテキスト; Привет, мир; مرحبا بالعالم; Καλημέρα κόσμε. ";

const SEPARATORS = ["\n\n", "\r\n\r\n", "\n", "\r\n"];

export class TextPools {
  private readonly sentences: string[] = [];
  private readonly paragraphs: string[] = [];
  private readonly titles: string[] = [];

  constructor(rng: Rng) {
    for (let i = 0; i < 1024; i++) this.sentences.push(this.makeSentence(rng));
    this.paragraphs.push(EDGE_CASE_TEXT);
    for (let i = 1; i < 256; i++) {
      const n = rng.between(2, 5);
      const parts: string[] = [];
      for (let j = 0; j < n; j++) parts.push(rng.pick(this.sentences));
      // Most paragraphs are one line; some carry an embedded break of each kind.
      const joint = rng.weighted([" ", "\n", "\r\n", "\r", "\t"], [80, 8, 6, 2, 4]);
      this.paragraphs.push(parts.join(joint));
    }
    for (let i = 0; i < 512; i++) this.titles.push(this.makeTitle(rng));
  }

  word(rng: Rng): string {
    return rng.chance(0.08) ? rng.pick(FOREIGN) : rng.pick(WORDS);
  }

  sentence(rng: Rng): string {
    return rng.pick(this.sentences);
  }

  /** A one-line title (no line breaks), sometimes with a leading or trailing space. */
  title(rng: Rng): string {
    const t = rng.pick(this.titles);
    const odd = rng.int(50);
    if (odd === 0) return ` ${t}`;
    if (odd === 1) return `${t} `;
    return t;
  }

  paragraph(rng: Rng): string {
    return rng.pick(this.paragraphs);
  }

  /** About `chars` characters of paragraphs (never cut inside a character). */
  body(rng: Rng, chars: number): string {
    const parts: string[] = [];
    let length = 0;
    while (length < chars) {
      const p = rng.pick(this.paragraphs);
      parts.push(p);
      length += p.length + 2;
    }
    return parts.join(rng.pick(SEPARATORS));
  }

  private makeSentence(rng: Rng): string {
    const n = rng.between(5, 14);
    const words: string[] = [];
    for (let i = 0; i < n; i++) {
      let w = this.word(rng);
      if (i < n - 1 && rng.chance(0.07)) w += ",";
      if (rng.chance(0.03)) w = rng.pick(QUOTED);
      words.push(w);
    }
    const first = words[0] as string;
    words[0] = first.charAt(0).toUpperCase() + first.slice(1);
    return words.join(" ") + rng.weighted([".", "!", "?", "…", ""], [80, 5, 8, 3, 4]);
  }

  private makeTitle(rng: Rng): string {
    const n = rng.between(2, 6);
    const words: string[] = [];
    for (let i = 0; i < n; i++) words.push(this.word(rng));
    const first = words[0] as string;
    words[0] = first.charAt(0).toUpperCase() + first.slice(1);
    let title = words.join(" ");
    const flavour = rng.int(12);
    if (flavour === 0) title = `${title}, part ${rng.between(2, 9)}`;
    else if (flavour === 1) title = `"${title}"`;
    else if (flavour === 2) title = `${title} & ${this.word(rng)}`;
    return title;
  }
}
