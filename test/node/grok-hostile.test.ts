/**
 * Attacker-controlled lines must not stall the engine: each case here finishes (the assertion is
 * on the result; the test timeout is the bound — completion, not speed). The inputs are the ones
 * that make a backtracking engine explode on hub patterns (src/engine/grok/README.md), plus 1 MiB
 * lines and invalid UTF-8.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import {
  type CompiledGrok,
  compileGrok,
  loadPatterns,
  type PatternLibrary,
} from "../../src/engine/grok/index";
import { resolveHubGrok } from "../fixtures/grok/fixture-case";
import { oracleFor } from "../oracle/crowdsec-config.js";

const oracle = oracleFor("hostile lines against hub groks");
const ROOT = oracle.install.root;
const PATTERN_DIR = join(ROOT, "etc/crowdsec/patterns");
const HUB = join(ROOT, "usr/share/crowdsec/hub");
const MIB = 1 << 20;

const craftedHost = (labels: number) => `Jan  1 00:00:00 ${Array(labels).fill("a").join(".")}`;

describe.skipIf(oracle.skip)("hostile lines against hub groks", () => {
  let library: PatternLibrary;
  let syslog: CompiledGrok;
  let unifi: CompiledGrok;
  let nginx: CompiledGrok;

  const hubGrok = (parser: string, index: number): CompiledGrok => {
    const hub = resolveHubGrok(HUB, { parser, index });
    return compileGrok(hub.grok.pattern ?? "", library.with(hub.syntax));
  };

  beforeAll(() => {
    const files: Record<string, string> = {};
    for (const name of readdirSync(PATTERN_DIR)) {
      files[name] = readFileSync(join(PATTERN_DIR, name), "utf8");
    }
    library = loadPatterns(files);
    syslog = hubGrok("s00-raw/crowdsecurity/syslog-logs.yaml", 0);
    unifi = hubGrok("s00-raw/crowdsecurity/unifi-logs.yaml", 0);
    nginx = hubGrok("s01-parse/crowdsecurity/nginx-logs.yaml", 0);
  }, 60_000);

  it("rejects the crafted 24-label syslog host that takes V8 30 s (and 64 labels)", () => {
    expect(syslog.pattern).toBe("^%{SYSLOGLINE}");
    expect(syslog.match(craftedHost(24))).toBeNull();
    expect(syslog.match(craftedHost(64))).toBeNull();
  });

  it("parses the crafted host once it is followed by a message", () => {
    const parsed = syslog.match(`${craftedHost(24)} prog: hello`);
    expect(parsed?.logsource).toBe(Array(24).fill("a").join("."));
    expect(parsed?.message).toBe("hello");
  });

  it("finishes unifi-logs' (.*?)+ pattern on a kernel line", () => {
    const line =
      "Jan 12 08:00:14 gw kernel: [WAN_LOCAL-default-D]IN=eth0 OUT= MAC=00:11:22:33:44:55 SRC=192.0.2.1";
    expect(unifi.match(line)?.timestamp).toBe("Jan 12 08:00:14");
    expect(unifi.match(`Jan 12 08:00:14 ${"x ".repeat(2000)}`)).not.toBeNull();
  });

  it("finishes QS (nested quantifier) on a long unterminated quoted string", () => {
    const qs = compileGrok("^%{QS:q}$", library);
    expect(qs.match(`"${"ab\\\\".repeat(20_000)}`)).toBeNull();
  });

  it("handles 1 MiB lines of every shape without stalling", () => {
    const lines = [
      `Jan  1 00:00:00 ${"a.".repeat(MIB / 2)}`,
      `Jan  1 00:00:00 host prog: ${" ".repeat(MIB)}`,
      "x".repeat(MIB),
      "1.2.3.4 ".repeat(MIB / 8),
      `10.0.0.1 - - [${"[".repeat(MIB)}`,
    ];
    const results = lines.map((line) => [syslog, nginx, unifi].map((g) => g.match(line) !== null));
    expect(results).toEqual([
      [false, false, false],
      [true, false, true],
      [false, false, false],
      [false, false, false],
      [false, false, false],
    ]);
  }, 300_000);

  it("returns a 1 MiB message whole", () => {
    const message = "m".repeat(MIB);
    expect(syslog.match(`Jan  1 00:00:00 host prog[1]: ${message}`)?.message).toBe(message);
  }, 120_000);

  it("matches lines carrying invalid UTF-8 (decoded to U+FFFD) and lone surrogates", () => {
    const bytes = new Uint8Array([0xff, 0xfe, 0xc3, 0x28, 0xe2, 0x82]);
    const garbage = new TextDecoder("utf-8", { fatal: false }).decode(bytes);
    const parsed = syslog.match(`Jan  1 00:00:00 host prog[1]: ${garbage} \ud800 end`);
    expect(parsed?.message).toBe(`${garbage} \ud800 end`);
    expect(parsed?.message?.includes("\ufffd")).toBe(true);
    expect(syslog.match(`Jan  1 00:00:00 h\ud800st prog: x`)).toBeNull();
  });
});
