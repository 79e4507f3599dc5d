/** Runs the product's generator for a site, feeding a batch target; the same code in- or off-thread. */
import { entitiesOf } from "../../core/entities/registry.js";
import { SluiceError } from "../../core/errors.js";
import type { Site } from "../../store/port.js";
import { generateBitbucket } from "./bitbucket.js";
import { generateConfluence } from "./confluence.js";
import { generateJira } from "./jira.js";
import { DemoContext, type DemoOptions } from "./options.js";
import { SiteSink, type BatchTarget } from "./sink.js";

const GENERATORS = {
  jira: generateJira,
  confluence: generateConfluence,
  bitbucket: generateBitbucket,
} as const;

export function checkOptions(site: Site, options: DemoOptions): void {
  if (!(site.product in GENERATORS)) {
    throw new SluiceError("sluice.site.invalid", `No demo generator for product ${String(site.product)} (site ${site.id})`);
  }
  if (!(options.scale > 0) || !Number.isFinite(options.now) || !Number.isFinite(options.seed)) {
    throw new SluiceError(
      "sluice.config.invalid",
      `Demo data needs a positive scale and a finite seed and now (epoch ms); got ${JSON.stringify(options)}`,
    );
  }
}

/** Generates every entity of the site's product; returns rows per entity name (0 for none). */
export async function runGenerator(site: Site, options: DemoOptions, target: BatchTarget): Promise<Record<string, number>> {
  checkOptions(site, options);
  const sink = new SiteSink(site.product, target);
  await GENERATORS[site.product](new DemoContext(site, options, sink));
  const written = await sink.finish();
  const counts: Record<string, number> = {};
  for (const def of entitiesOf(site.product)) counts[def.name] = written[def.name] ?? 0;
  return counts;
}
