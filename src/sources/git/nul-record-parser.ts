/**
 * Splits git's NUL-terminated output (`-z` with `%x00` between fields) into records of a fixed number
 * of fields, across chunk boundaries. Each chunk is decoded once (a `StringDecoder` keeps a UTF-8
 * sequence cut by the chunk boundary for the next one) and split in JavaScript; only the unfinished
 * field is carried over, so memory stays at one field however large the repository.
 */
import { StringDecoder } from "node:string_decoder";

export class NulRecordParser {
  private readonly decoder = new StringDecoder("utf8");
  private rest = "";
  private fields: string[] = [];

  constructor(
    private readonly fieldsPerRecord: number,
    private readonly onRecord: (fields: string[]) => void,
  ) {}

  push(chunk: Buffer): void {
    const text = this.decoder.write(chunk);
    let start = 0;
    for (;;) {
      const nul = text.indexOf("\0", start);
      if (nul === -1) break;
      let field = text.slice(start, nul);
      if (this.rest.length > 0) {
        field = this.rest + field;
        this.rest = "";
      }
      this.fields.push(field);
      if (this.fields.length === this.fieldsPerRecord) {
        const record = this.fields;
        this.fields = [];
        this.onRecord(record);
      }
      start = nul + 1;
    }
    if (start < text.length) this.rest += text.slice(start);
  }

  /** True when the input ended on a record boundary. */
  get complete(): boolean {
    return this.rest.length === 0 && this.fields.length === 0 && this.decoder.end().length === 0;
  }
}
