/**
 * The base pattern table is grokky v0.1.0's `NewBase`, compiled into CrowdSec 1.4.6. Go stores
 * string literals verbatim in the binary, so every definition must occur in it byte for byte —
 * which catches a typo or a definition taken from another grokky version.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { BASE_PATTERNS } from "../../src/engine/grok/base-patterns";
import { oracleFor } from "../oracle/crowdsec-config.js";

const oracle = oracleFor("base patterns vs the CrowdSec 1.4.6 binary");
const BINARY = oracle.install.crowdsec;

describe.skipIf(oracle.skip)("base patterns vs the CrowdSec 1.4.6 binary", () => {
  it("holds 88 definitions with unique names", () => {
    expect(BASE_PATTERNS.length).toBe(88);
    expect(new Set(BASE_PATTERNS.map(([name]) => name)).size).toBe(88);
  });

  it("finds every definition verbatim in the binary", () => {
    const binary = readFileSync(BINARY);
    const missing = BASE_PATTERNS.filter(
      ([, expression]) => binary.indexOf(Buffer.from(expression, "utf8")) === -1,
    ).map(([name]) => name);
    expect(missing).toEqual([]);
  });

  it("is the 1.4.6 table: the binary has HTTPD24's POSINT clientport, not v0.2.2's INT", () => {
    const binary = readFileSync(BINARY);
    const has = (text: string) => binary.indexOf(Buffer.from(text, "utf8")) !== -1;
    expect(has("%{IPORHOST:client}:%{POSINT:clientport}")).toBe(true);
    expect(has("%{IPORHOST:client}:%{INT:clientport}")).toBe(false);
  });
});
