/**
 * The demo data generator: fills a site's store tables with deterministic, realistic-looking data
 * (Zipf-skewed activity, page trees, comment threads, workflows, forks, CSV-hostile text). The same
 * seed, `now`, scale and counts always give the same rows.
 */
import type { AttachmentBlobs } from "../../attachments/index.js";
import type { Site, Store } from "../../store/port.js";
import { withAttachmentBytes } from "./attachments.js";
import { checkOptions, runGenerator } from "./generate.js";
import { prefersWorker, type DemoOptions } from "./options.js";
import { storeTarget, type ProgressListener } from "./sink.js";
import { generateInWorker } from "./worker-host.js";

export { DEFAULT_CONTENT_BYTES, type DemoOptions } from "./options.js";
export { toRow } from "./rows.js";
export type { ProgressListener } from "./sink.js";

/**
 * Generates the demo data of `site` into `store`, in batches, streaming. Rows are upserted by key: a
 * second run with the same options rewrites the same rows, and rows of an earlier, bigger run stay
 * (clear the site first with `store.data.clearSite` to replace them). Attachments' bytes go to
 * `attachments` when given (without it their rows are written alone). Returns the rows written per
 * data entity name of the product (0 for none).
 */
export async function generateDemo(
  store: Store,
  site: Site,
  options: DemoOptions,
  onProgress?: ProgressListener,
  attachments?: AttachmentBlobs,
): Promise<Record<string, number>> {
  checkOptions(site, options);
  const toStore = storeTarget(store, site.id, site.product, onProgress);
  const target = attachments ? withAttachmentBytes(toStore, attachments, site, options.seed) : toStore;
  if (prefersWorker(options)) return generateInWorker(site, options, target);
  return runGenerator(site, options, target);
}
