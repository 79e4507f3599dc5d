/**
 * The JSON and NDJSON formats.
 * - JSON: `{"columns":[{"name":…,"type":…},…],"rows":[` then one array per record and line, then `]}`.
 * - NDJSON: one object per record and line, keyed by column name.
 * Value rules in `encode.ts`; column types are the typed-value types of `writers/values.ts`.
 */
import type { Column } from "../../core/entities/types.js";
import type { RecordLayout, WriterFactory, WriterTarget } from "../port.js";
import { valueType } from "../values.js";
import { arrayEncoder, objectEncoder } from "./encode.js";
import { TextRecordWriter, type TextFormat } from "./text-writer.js";

function jsonFormat(columns: readonly Column[]): TextFormat {
  const described = columns.map((c) => ({ name: c.name, type: valueType(c) }));
  return {
    head: `{"columns":${JSON.stringify(described)},"rows":[\n`,
    separator: ",\n",
    tail: (rows) => (rows > 0 ? "\n]}\n" : "]}\n"),
    record: arrayEncoder(columns),
  };
}

function ndjsonFormat(columns: readonly Column[]): TextFormat {
  const object = objectEncoder(columns);
  return { head: "", separator: "", tail: () => "", record: (values) => object(values) + "\n" };
}

export const jsonWriter: WriterFactory = {
  format: "json",
  extension: ".json",
  contentType: "application/json",
  open: (target: WriterTarget, layout: RecordLayout) => TextRecordWriter.open(target, layout, jsonFormat(layout.columns)),
};

export const ndjsonWriter: WriterFactory = {
  format: "ndjson",
  extension: ".ndjson",
  contentType: "application/x-ndjson",
  open: (target: WriterTarget, layout: RecordLayout) => TextRecordWriter.open(target, layout, ndjsonFormat(layout.columns)),
};
