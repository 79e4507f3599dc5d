/**
 * The demo data generator: fills a site's store tables with deterministic, realistic-looking data
 * (Zipf-skewed activity, page trees, comment threads, workflows, forks, CSV-hostile text). The same
 * seed, `now`, scale and counts always give the same rows.
 */
import type { Site, Store } from "../../store/port.js";
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
 * (clear the site first with `store.data.clearSite` to replace them). Returns the rows written per
 * entity name of the product (0 for none).
 */
export async function generateDemo(
  store: Store,
  site: Site,
  options: DemoOptions,
  onProgress?: ProgressListener,
): Promise<Record<string, number>> {
  checkOptions(site, options);
  if (prefersWorker(options)) return generateInWorker(store, site, options, onProgress);
  return runGenerator(site, options, storeTarget(store, site.id, site.product, onProgress));
}
