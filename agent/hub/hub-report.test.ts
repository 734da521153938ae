import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { decodeYamlDocuments } from "../../src/engine/parser/yaml-documents.js";
import { oracleFor } from "../../test/oracle/crowdsec-config.js";
import { debianDirectories, hubSourceFromDirectories } from "./hub-fs.js";
import { buildHubReport, formatHubReport, reportDirectories } from "./hub-report.js";

const oracle = oracleFor("hub load report on the Debian 1.4.6 hub snapshot");
const ROOT = oracle.install.root;
const dirs = debianDirectories(ROOT);

describe.skipIf(oracle.skip)("hub load report on the Debian 1.4.6 hub snapshot", () => {
  const report = buildHubReport(dirs);

  it("loads every parser, postoverflow and scenario listed by the index", () => {
    const failed = report.items.filter((item) => item.status !== "loaded");
    expect(formatHubReport({ items: failed, missing: [] })).not.toMatch(/FAILED|PARTIAL/);
    expect(report.items.filter((i) => i.type === "parsers")).toHaveLength(85);
    expect(report.items.filter((i) => i.type === "postoverflows")).toHaveLength(4);
    expect(report.items.filter((i) => i.type === "scenarios")).toHaveLength(112);
  });

  it("reports the data file Debian does not ship as a warning, not a failure", () => {
    const cdn = report.items.find((item) => item.name === "crowdsecurity/cdn-whitelist");
    expect(cdn?.status).toBe("loaded");
    expect(cdn?.warnings.join("\n")).toContain("cloudflare_ip6s.txt");
  });

  it("finds data files shipped under their source_url name (rnds_seo_bots.regex)", () => {
    const seo = report.items.find((item) => item.name === "crowdsecurity/seo-bots-whitelist");
    expect(seo?.status).toBe("loaded");
    expect(seo?.warnings).toEqual([]);
  });
});

const CURRENT_HUB = resolve(import.meta.dirname, "../../../shared/crowdsec-hub/hub");

describe.skipIf(!existsSync(join(CURRENT_HUB, ".index.json")))(
  "hub load report on the current hub snapshot (../shared/crowdsec-hub)",
  () => {
    const dirs = reportDirectories(CURRENT_HUB);
    const report = buildHubReport(dirs);
    const scenarios = report.items.filter((item) => item.type === "scenarios");

    it("counts a scenario file as loaded only when the compiler accepted every document", () => {
      const source = hubSourceFromDirectories(dirs);
      for (const item of scenarios) {
        const documents = decodeYamlDocuments(source.readHub(item.path) ?? "").filter(
          (doc) => doc !== null,
        ).length;
        if (item.status === "loaded") expect(item.loaded, item.name).toBe(documents);
        else expect(item.problems.length, item.name).toBeGreaterThan(0);
      }
      const loaded = scenarios.filter((item) => item.status === "loaded").length;
      expect(formatHubReport(report)).toContain(`scenarios: ${loaded}/${scenarios.length} loaded`);
    });

    it("loads the scenarios with list-valued labels, data cache options and shared names", () => {
      for (const name of [
        "crowdsecurity/ssh-bf",
        "crowdsecurity/http-bad-user-agent",
        "crowdsecurity/http-cve-probing",
        "baudneo/zoneminder-bf",
      ]) {
        expect(scenarios.find((item) => item.name === name)?.status, name).toBe("loaded");
      }
    });

    it("skips AppSec rules and configs with one note each, never as a failure", () => {
      const text = formatHubReport(report);
      expect(text).toMatch(/^skipped \d+ appsec-rules \(AppSec \(WAF\) is not supported\)/m);
      expect(text).toMatch(/^skipped \d+ appsec-configs /m);
      expect(report.items.some((item) => item.path.startsWith("appsec-"))).toBe(false);
    });
  },
);
