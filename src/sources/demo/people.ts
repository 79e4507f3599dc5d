/**
 * Demo people: display names from several scripts (with the apostrophes, hyphens and accents real
 * directories have), and clean ASCII user names and e-mail addresses derived from them.
 */
import type { Rng } from "./random.js";

export interface Person {
  /** ASCII login, unique within the site. */
  readonly username: string;
  readonly fullname: string;
  readonly email: string;
  readonly active: boolean;
}

const FIRST = [
  "Alice", "Bob", "Carol", "Dave", "Erin", "Frank", "Grace", "Heidi", "Ivan", "Judy", "Mallory", "Niaj",
  "Olivia", "Peggy", "Rupert", "Sybil", "Trent", "Victor", "Walter", "Zoë", "José", "Anne-Marie", "Siobhán",
  "Björn", "François", "Chloé", "Liam", "Priya", "Wei", "Amara",
];
const LAST = [
  "Smith", "O'Brien", "Müller", "García", "Nguyen", "Kowalski", "van der Berg", "Dubois", "Rossi", "Silva",
  "Jensen", "MacDonald", "Okafor", "Patel", "Lefèvre", "Schmidt", "Andersson", "Ó Súilleabháin", "Smith-Jones",
  "Novak",
];
/** Names written in other scripts, with the login a directory would give them. */
const NON_LATIN: readonly (readonly [string, string])[] = [
  ["山田 太郎", "tyamada"],
  ["佐藤 花子", "hsato"],
  ["Иван Петров", "ipetrov"],
  ["Ольга Смирнова", "osmirnova"],
  ["محمد العلي", "malali"],
  ["فاطمة حسن", "fhassan"],
  ["Γιώργος Παπαδόπουλος", "gpapadopoulos"],
  ["Ελένη Νικολάου", "enikolaou"],
  ["김민준", "mkim"],
  ["Nguyễn Thị Lan", "lnguyen"],
];

function ascii(text: string): string {
  return text
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z]/g, "");
}

/** A person as one product knows them: with that product's user id. */
export interface User extends Person {
  readonly id: string;
}

export function makePeople(rng: Rng, count: number): Person[] {
  const taken = new Set<string>();
  const out: Person[] = [];
  for (let i = 0; i < count; i++) {
    let fullname: string;
    let base: string;
    if (rng.chance(0.2)) {
      [fullname, base] = rng.pick(NON_LATIN);
    } else {
      const first = rng.pick(FIRST);
      const last = rng.pick(LAST);
      fullname = `${first} ${last}`;
      base = `${ascii(first).slice(0, 1)}${ascii(last)}`;
    }
    // A few directories hold odd display names: a trailing space, a comma, quotes.
    const odd = rng.int(40);
    if (odd === 0) fullname = `${fullname} `;
    else if (odd === 1) fullname = `${fullname}, Jr.`;
    else if (odd === 2) fullname = `${fullname} "The Admin"`;
    let username = base;
    for (let n = 2; taken.has(username); n++) username = `${base}${n}`;
    taken.add(username);
    out.push({ username, fullname, email: `${username}@example.com`, active: !rng.chance(0.08) });
  }
  return out;
}
