import { describe, expect, it } from "vitest";
import { ExpectMode, newLogEvent } from "../../src/engine/event.js";
import { defaultCompilerFactory } from "../../src/engine/hub/expr-compiler.js";
import { loadHub, readHubIndex } from "../../src/engine/hub/hub-loader.js";
import { oracleFor } from "../../test/oracle/crowdsec-config.js";
import { debianDirectories, hubSourceFromDirectories } from "./hub-fs.js";

const oracle = oracleFor("hostile lines through the Debian hub parsers");
const ROOT = oracle.install.root;

/**
 * Log lines are attacker-controlled: each hostile line must go through the whole default parser
 * pipeline (syslog, sshd, nginx, apache2, http-logs, dateparse, whitelists) and come out. The tests
 * assert completion and the parse outcome, never a duration.
 */
describe.skipIf(oracle.skip)("hostile lines through the default hub pipeline", () => {
  const source = hubSourceFromDirectories(debianDirectories(ROOT));
  const hub = loadHub(source, readHubIndex(source), {
    selection: {
      collections: ["crowdsecurity/linux", "crowdsecurity/nginx", "crowdsecurity/apache2"],
      parsers: ["crowdsecurity/whitelists"],
    },
    includeScenarios: false,
    compilerFactory: defaultCompilerFactory,
  });
  const parse = (raw: string, type: string) => {
    const evt = newLogEvent({ Raw: raw, Labels: { type }, Module: "file" }, ExpectMode.TIMEMACHINE);
    return { evt, outcome: hub.parsers.parse(evt) };
  };

  it("finishes on a 24-label syslog host without trailing space (exponential for backtracking)", () => {
    const host = Array.from({ length: 24 }, () => "a").join(".");
    const { outcome } = parse(`Jan  1 00:00:00 ${host}`, "syslog");
    expect(outcome.process).toBe(false);
  });

  it("finishes on a 1 MiB line for every log type", () => {
    const big = `Jan 12 08:00:00 host sshd[1]: Failed password for root from 1.2.3.4 port 22 ssh2 ${"x".repeat(1 << 20)}`;
    expect(parse(big, "syslog").evt.Meta.source_ip).toBe("1.2.3.4");
    expect(parse(`1.2.3.4 - - [${"9".repeat(1 << 20)}`, "nginx").outcome.process).toBe(false);
    expect(parse("(".repeat(1 << 20), "apache2").outcome.process).toBe(false);
  });

  it("finishes on lines with invalid UTF-16 / replacement characters and NULs", () => {
    const bad = "\uD800\uFFFD\u0000\uDFFF";
    const { evt } = parse(
      `Jan 12 08:00:00 host sshd[1]: Failed password for root from 1.2.3.4 port 22 ssh2 ${bad}`,
      "syslog",
    );
    expect(evt.Meta.source_ip).toBe("1.2.3.4");
    expect(parse(`Jan 12 08:00:00 h${bad}st sshd[1]: ${bad}`, "syslog").outcome.process).toBe(
      false,
    );
  });
});
