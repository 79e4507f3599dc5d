/**
 * Demo attachments: about one issue or page in five gets one to three files of a few hundred bytes to
 * a few KB (plain text, CSV, PNG-looking bytes). Their rows come from a stream of their own (`fork`),
 * so no other entity's rows move. Their bytes are a pure function of the seed, the id, the media type
 * and the size (`attachmentBytes`): the generator hashes them for the row's `sha256`, and the thread
 * that writes rows to the store makes them again for the attachment store (`withAttachmentBytes`), the
 * generator may run in a worker thread.
 */
import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import type { AttachmentBlobs } from "../../attachments/index.js";
import { attachmentEntityOf, storedColumns } from "../../core/entities/registry.js";
import type { Site } from "../../store/port.js";
import { DAY } from "./dates.js";
import type { DemoContext } from "./options.js";
import type { User } from "./people.js";
import { Rng } from "./random.js";
import type { BatchTarget } from "./sink.js";

/** Ids of a site's attachments count up from here. */
export const ATTACHMENT_ID_BASE = 10_000;

interface FileKind {
  mediaType: "text/plain" | "text/csv" | "image/png";
  names: readonly string[];
  weight: number;
  min: number;
  max: number;
}

const KINDS: readonly FileKind[] = [
  { mediaType: "text/plain", names: ["notes.txt", "steps-to-reproduce.txt", "server.log", "README.txt", "Besprechung Übersicht.txt"], weight: 4, min: 200, max: 4_000 },
  { mediaType: "text/csv", names: ["export.csv", "budget Q3.csv", "results.csv", "timings.csv"], weight: 2, min: 200, max: 3_000 },
  { mediaType: "image/png", names: ["screenshot.png", "diagram.png", "Screen Shot 2025-03-04 at 10.15.22.png", "logo.png"], weight: 3, min: 400, max: 6_000 },
];
const KIND_WEIGHTS = KINDS.map((k) => k.weight);

/** The share of issues or pages with attachments, and how many each has at most. */
const ATTACHED_SHARE = 0.2;
const MOST_PER_PARENT = 3;

const WORDS = "build deploy error timeout retry cache queue request response user page issue value total average latency ok failed".split(" ");
const PNG_HEADER = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52]);

/** The bytes of a demo attachment: the same for the same seed, id, media type and size. */
export function attachmentBytes(seed: number, attachmentId: number, mediaType: string, size: number): Buffer {
  const rng = new Rng(seed).fork(`attachment.${attachmentId}`);
  const out = Buffer.alloc(size);
  if (mediaType === "image/png") {
    PNG_HEADER.copy(out, 0, 0, Math.min(size, PNG_HEADER.length));
    for (let i = PNG_HEADER.length; i < size; i++) out[i] = rng.int(256);
    return out;
  }
  let text = mediaType === "text/csv" ? "line,word,count\n" : "";
  for (let line = 1; text.length < size; line++) {
    const words = Array.from({ length: rng.between(3, 9) }, () => rng.pick(WORDS));
    text += mediaType === "text/csv" ? `${line},${words[0]},${rng.int(1000)}\n` : `${words.join(" ")}\n`;
  }
  out.write(text.slice(0, size), "latin1");
  return out;
}

/** What an attachment hangs off: an issue or a page, its scope, its creation (epoch seconds). */
export interface AttachmentParent {
  id: number;
  scopeKey: string;
  created: number;
}

/** Writes the attachments of issues (`issue_id`) or pages (`page_id`), one parent at a time. */
export class DemoAttachments {
  private readonly rng: Rng;
  private next = ATTACHMENT_ID_BASE;

  constructor(
    private readonly ctx: DemoContext,
    private readonly parentColumn: "issue_id" | "page_id",
    private readonly users: readonly User[],
  ) {
    this.rng = ctx.rng.fork(`${ctx.site.product}.attachments`);
  }

  /** Gives `parent` none (most often) or one to three attachments, made after it. */
  async attach(parent: AttachmentParent): Promise<void> {
    const { rng, ctx } = this;
    if (!rng.chance(ATTACHED_SHARE)) return;
    const sink = ctx.sink.entity("attachments");
    for (let n = rng.between(1, MOST_PER_PARENT); n > 0; n--) {
      const kind = rng.weighted(KINDS, KIND_WEIGHTS);
      const id = this.next++;
      const size = rng.between(kind.min, kind.max);
      const bytes = attachmentBytes(ctx.options.seed, id, kind.mediaType, size);
      await sink.add({
        attachment_id: id,
        [this.parentColumn]: parent.id,
        filename: rng.pick(kind.names),
        media_type: kind.mediaType,
        size,
        sha256: createHash("sha256").update(bytes).digest("hex"),
        author_id: rng.pick(this.users).id,
        created_date: ctx.time.iso(ctx.time.soonAfter(rng, parent.created, 20 * DAY)),
        scope_key: parent.scopeKey,
      });
    }
  }
}

/**
 * A batch target that writes the bytes of each batch of attachment rows to `blobs` (made again from
 * the row with `attachmentBytes`) before handing the batch on: a stored row always has its bytes.
 */
export function withAttachmentBytes(target: BatchTarget, blobs: AttachmentBlobs, site: Site, seed: number): BatchTarget {
  const def = attachmentEntityOf(site.product);
  if (!def) return target;
  const names = storedColumns(def).map((c) => c.name);
  const [id, mediaType, size] = ["attachment_id", "media_type", "size"].map((n) => names.indexOf(n)) as [number, number, number];
  return async (entity, rows) => {
    if (entity === def.name) {
      for (const row of rows) {
        const attachmentId = Number(row[id]);
        await blobs.put(site.id, attachmentId, Readable.from([attachmentBytes(seed, attachmentId, String(row[mediaType]), Number(row[size]))]));
      }
    }
    await target(entity, rows);
  };
}
