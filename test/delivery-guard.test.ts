/**
 * Where webhook and SFTP deliveries may connect (src/delivery/address-guard.ts): metadata and
 * link-local addresses never, in any spelling; private and loopback ones only when allowed, by name or
 * by address; a name is checked by every address it resolves to. And the placeholders of templates.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { refusal, resolveTarget, TargetRefused } from "../src/delivery/address-guard.js";
import { fill, safeFileName, unknownPlaceholders } from "../src/delivery/placeholders.js";

describe("delivery targets", () => {
  const never = ["169.254.169.254", "169.254.0.1", "::ffff:169.254.169.254", "fe80::1", "fd00:ec2::254", "100.100.100.200", "192.0.0.192", "0.0.0.0", "224.0.0.1", "::"];
  for (const address of never) {
    test(`${address} is refused even when allowed`, () => {
      assert.match(refusal(address, address, [address]) ?? "", /link-local, metadata or reserved/);
    });
  }
  const internal = ["127.0.0.1", "10.0.0.5", "172.16.3.4", "192.168.1.1", "100.64.0.1", "::1", "fd12:3456::1", "::ffff:10.0.0.5"];
  for (const address of internal) {
    test(`${address} is refused unless the allow-list names it`, () => {
      assert.match(refusal(address, address, []) ?? "", /private or loopback address: add it to delivery\.allowedPrivateHosts/);
      assert.equal(refusal(address, address, [address.replace(/^::ffff:/, "")]), undefined);
      assert.equal(refusal("files.internal", address, ["files.internal"]), undefined);
    });
  }
  test("public addresses may be reached", () => {
    for (const address of ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946", "8.8.8.8"]) assert.equal(refusal(address, address, []), undefined);
  });
  test("names: metadata names are refused; localhost is checked by its addresses; unknown names say they do not resolve", async () => {
    await assert.rejects(resolveTarget("metadata.google.internal", []), TargetRefused);
    await assert.rejects(resolveTarget("localhost", []), /private or loopback/);
    assert.match(await resolveTarget("localhost", ["localhost"]), /^(127\.0\.0\.1|::1)$/);
    await assert.rejects(resolveTarget("no-such-host.invalid", []), /does not resolve/);
    assert.equal(await resolveTarget("[::1]", ["::1"]), "::1");
  });
});

describe("placeholders", () => {
  const values = { exportConfigName: "Open bugs", exportConfigId: "7", reportDate: "2026-12-07T07:00:00.000Z", jql: "project = A & B", format: "CSV", rows: "42", sizeMb: "1.25" };
  test("filled as written, or URL-encoded for URLs; unknown names stay and are reported", () => {
    assert.equal(fill("{{exportConfigName}} {{ rows }} {{nope}}", values), "Open bugs 42 {{nope}}");
    assert.equal(fill("https://x/{{exportConfigId}}?q={{jql}}&d={{reportDate}}", values, encodeURIComponent), "https://x/7?q=project%20%3D%20A%20%26%20B&d=2026-12-07T07%3A00%3A00.000Z");
    assert.deepEqual(unknownPlaceholders("{{rows}} {{link}} {{x}}", ["link"]), ["x"]);
  });
  test("file names are made safe for every target", () => {
    assert.equal(safeFileName("../../etc/passwd"), "_.._etc_passwd");
    assert.equal(safeFileName("a:b*c?.csv"), "a_b_c_.csv");
    assert.equal(safeFileName("\u0000"), "_");
    assert.equal(safeFileName("..."), "report");
  });
});
