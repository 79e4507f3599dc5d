/**
 * Collects one batch of CSV output as text and byte pieces, then hands it over as a single Buffer.
 * Long text arrives from the store as UTF-8 bytes and goes to the file without being decoded to a
 * JavaScript string and encoded back (the measured hot path; see docs/benchmarks.md).
 */
export class ChunkBuilder {
  private text = "";
  private parts: Buffer[] = [];
  private partBytes = 0;

  /** Appends text. */
  str(s: string): void {
    this.text += s;
  }

  /** Appends bytes (not copied until `take`). */
  bytes(b: Buffer): void {
    if (this.text.length > 0) this.flushText();
    this.parts.push(b);
    this.partBytes += b.length;
  }

  /** Roughly how much is buffered (characters of text + bytes of pieces). */
  get size(): number {
    return this.text.length + this.partBytes;
  }

  private flushText(): void {
    const b = Buffer.from(this.text, "utf8");
    this.parts.push(b);
    this.partBytes += b.length;
    this.text = "";
  }

  /** Everything appended so far, as one Buffer; the builder is empty afterwards. */
  take(): Buffer {
    if (this.text.length > 0) this.flushText();
    const out = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.partBytes);
    this.parts = [];
    this.partBytes = 0;
    return out;
  }
}
