/**
 * The record writers, one per output format, behind the `RecordWriter` port (`port.ts`).
 * `writerFactory(format)` gives the factory of a format; a format without a writer here is refused.
 */
import { SluiceError } from "../core/errors.js";
import { csvWriter } from "./csv/index.js";
import { jsonWriter, ndjsonWriter } from "./json/index.js";
import { parquetWriter } from "./parquet/index.js";
import { OUTPUT_FORMATS, type OutputFormat, type WriterFactory } from "./port.js";
import { xlsxWriter } from "./xlsx/index.js";

export { OUTPUT_FORMATS, TYPED_BATCH_ROWS, isOutputFormat } from "./port.js";
export type { OutputFormat, RecordLayout, RecordWriter, WriterFactory, WriterTarget, WrittenFile } from "./port.js";

const FACTORIES: Record<OutputFormat, WriterFactory | undefined> = {
  csv: csvWriter,
  json: jsonWriter,
  ndjson: ndjsonWriter,
  xlsx: xlsxWriter,
  parquet: parquetWriter,
};

export function writerFactory(format: OutputFormat): WriterFactory {
  const factory = (Object.hasOwn(FACTORIES, format) ? FACTORIES[format] : undefined);
  if (!factory) {
    const available = OUTPUT_FORMATS.filter((f) => FACTORIES[f] !== undefined).join(", ");
    throw new SluiceError("sluice.format.unknown", `no writer for the format ${String(format)}: formats written are ${available}`);
  }
  return factory;
}
