/** The CSV writer and its hot-path formatter. */
export { csvWriter, CsvRecordWriter } from "./csv-writer.js";
