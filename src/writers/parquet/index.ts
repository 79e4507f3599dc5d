/**
 * The Parquet format: typed columns written by DuckDB, in parts (`parquet-writer.ts`). `parquetWriter`
 * uses the default part size; `parquetWriterWith` takes another (tests cut many small parts).
 */
import type { WriterFactory } from "../port.js";
import type { ParquetOptions } from "./parquet-writer.js";

export type { ParquetOptions };

export function parquetWriterWith(options: ParquetOptions = {}): WriterFactory {
  return {
    format: "parquet",
    extension: ".parquet",
    contentType: "application/vnd.apache.parquet",
    // DuckDB is loaded with the first Parquet file, not with every process that might write one.
    open: async (target, layout) => (await import("./parquet-writer.js")).ParquetRecordWriter.open(target, layout, options),
  };
}

export const parquetWriter: WriterFactory = parquetWriterWith();
