/**
 * The Parquet format: typed columns written by DuckDB, in parts (`parquet-writer.ts`). `parquetWriter`
 * uses the default part size; `parquetWriterWith` takes another (tests cut many small parts).
 */
import type { WriterFactory } from "../port.js";
import { ParquetRecordWriter, type ParquetOptions } from "./parquet-writer.js";

export type { ParquetOptions };

export function parquetWriterWith(options: ParquetOptions = {}): WriterFactory {
  return {
    format: "parquet",
    extension: ".parquet",
    contentType: "application/vnd.apache.parquet",
    open: (target, layout) => ParquetRecordWriter.open(target, layout, options),
  };
}

export const parquetWriter: WriterFactory = parquetWriterWith();
