/** The CSV field rules of the spec, one by one. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Column } from "../src/core/entities/registry.js";
import { columnFormatter, headerLine, rowRenderer, truncate, type CsvOptions } from "../src/writers/csv/csv-format.js";

const escaped: CsvOptions = { embeddedLineBreakPreserve: false, embeddedLineBreakEscape: "\\n", descriptionMaxLength: 5, pageContentMaxLength: 100 };
const preserved: CsvOptions = { ...escaped, embeddedLineBreakPreserve: true };
const text: Column = { name: "t", type: "string" };
const f = (column: Column, options: CsvOptions, v: unknown) => columnFormatter(column, options, "https://x.example/wiki")(v);

describe("csv field rules", () => {
  it("quotes only fields with a comma, a quote, CR or LF, and doubles embedded quotes", () => {
    assert.equal(f(text, escaped, "plain text; tabs\tand ünïcödé 🚀"), "plain text; tabs\tand ünïcödé 🚀");
    assert.equal(f(text, escaped, "a,b"), '"a,b"');
    assert.equal(f(text, escaped, 'say "hi"'), '"say ""hi"""');
    assert.equal(f(text, escaped, ""), "");
    assert.equal(f(text, escaped, null), "");
    assert.equal(f(text, escaped, undefined), "");
  });
  it("escapes every line break as \\n by default, with any escape string configured", () => {
    assert.equal(f(text, escaped, "a\r\nb\rc\nd"), "a\\nb\\nc\\nd");
    assert.equal(f(text, escaped, 'x\n"y",z'), '"x\\n""y"",z"');
    assert.equal(f(text, { ...escaped, embeddedLineBreakEscape: " " }, "a\nb"), "a b");
  });
  it("keeps line breaks raw inside quotes when preserved", () => {
    assert.equal(f(text, preserved, "a\r\nb"), '"a\r\nb"');
    assert.equal(f(text, preserved, "a\nb"), '"a\nb"');
  });
  it("writes lists as JSON, an empty list as an empty field, booleans as true/false", () => {
    const json: Column = { name: "labels", type: "json" };
    assert.equal(f(json, escaped, '["a","b"]'), '"[""a"",""b""]"');
    assert.equal(f(json, escaped, ["x"]), '"[""x""]"');
    assert.equal(f(json, escaped, "[]"), "");
    assert.equal(f(json, escaped, null), "");
    const bool: Column = { name: "b", type: "boolean" };
    assert.equal(f(bool, escaped, 1), "true");
    assert.equal(f(bool, escaped, 0), "false");
    assert.equal(f(bool, escaped, true), "true");
    assert.equal(f(bool, escaped, null), "");
  });
  it("prefixes url columns with the instance URL and writes the instance column", () => {
    assert.equal(f({ name: "u", type: "url" }, escaped, "/display/ENG"), "https://x.example/wiki/display/ENG");
    assert.equal(f({ name: "u", type: "url" }, escaped, null), "");
    assert.equal(f({ name: "i", type: "instance" }, escaped, null), "https://x.example/wiki");
  });
  it("truncates long text to the configured length without splitting an emoji", () => {
    const desc: Column = { name: "description", type: "text", truncate: "descriptionMaxLength" };
    assert.equal(f(desc, escaped, "abcdefgh"), "abcde");
    assert.equal(f(desc, escaped, "abcd🚀"), "abcd");
    assert.equal(truncate("ab🚀cd", 3), "ab");
    assert.equal(truncate("ab🚀cd", 4), "ab🚀");
  });
  it("renders a row in export column order with CRLF, and a header", () => {
    const stored: Column[] = [{ name: "id", type: "integer" }, { name: "title", type: "string" }];
    const exported: Column[] = [{ name: "id", type: "integer" }, { name: "instance_url", type: "instance" }, { name: "title", type: "string" }];
    const render = rowRenderer(exported, stored, escaped, "https://x.example");
    assert.equal(render([7, "a,b"]), '7,https://x.example,"a,b"\r\n');
    assert.equal(headerLine(exported), "id,instance_url,title\r\n");
  });
});
