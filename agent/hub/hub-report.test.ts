import { describe, expect, it } from "vitest";
import { oracleFor } from "../../test/oracle/crowdsec-config.js";
import { debianDirectories } from "./hub-fs.js";
import { buildHubReport, formatHubReport } from "./hub-report.js";

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
