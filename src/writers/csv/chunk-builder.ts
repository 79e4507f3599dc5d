/**
 * Collects one batch of CSV output in a growing byte buffer and hands it over as one Buffer.
 * Short fields are appended as text and encoded in runs; long text arrives from the store as UTF-8
 * bytes and is copied as is, never decoded to a JavaScript string and encoded back (the measured
 * hot path; see docs/benchmarks.md).
 */
const INITIAL = 1 << 20;

export class ChunkBuilder {
  private buf: Buffer = Buffer.allocUnsafe(INITIAL);
  private pos = 0;
  private text = "";

  /** Appends text. */
  str(s: string): void {
    this.text += s;
  }

  /** Appends `b[start, end)` (copied). */
  bytes(b: Buffer, start = 0, end = b.length): void {
    if (this.text.length > 0) this.flushText();
    const n = end - start;
    if (n <= 0) return;
    this.ensure(n);
    // TypedArray#set is a plain memcpy; Buffer#copy goes through a slower JavaScript path on Node 20.
    this.buf.set(start === 0 && end === b.length ? b : b.subarray(start, end), this.pos);
    this.pos += n;
  }

  /**
   * Direct access for byte loops: flushes pending text, makes room for `n` bytes and returns the
   * buffer; write from `position` and then `advance(written)`.
   */
  reserve(n: number): Buffer {
    if (this.text.length > 0) this.flushText();
    this.ensure(n);
    return this.buf;
  }

  get position(): number {
    return this.pos;
  }

  advance(n: number): void {
    this.pos += n;
  }

  /** Roughly how much is buffered. */
  get size(): number {
    return this.pos + this.text.length;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  private flushText(): void {
    const t = this.text;
    this.text = "";
    this.ensure(t.length * 3);
    this.pos += this.buf.write(t, this.pos);
  }

  /** Everything appended so far, as one Buffer; the builder starts a fresh buffer afterwards. */
  take(): Buffer {
    if (this.text.length > 0) this.flushText();
    const out = this.buf.subarray(0, this.pos);
    this.buf = Buffer.allocUnsafe(Math.max(INITIAL, Math.min(this.buf.length, 16 * INITIAL)));
    this.pos = 0;
    return out;
  }
}
