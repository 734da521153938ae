import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { parseAcquisition } from "../../../agent/acquisition/acquisition-config.js";
import { installedSelection, scanInstalled } from "../../../agent/hub/installed-items.js";
import { loadAgentHub } from "../../../agent/pipeline/agent-hub.js";
import { makeTempDir, oracleFor, removeDir } from "../../../test/oracle/crowdsec-config.js";
import { CliError } from "../cli-error.js";
import type { HubPlace } from "../hub/hub-operations.js";
import { readIndex } from "../hub/installed-items.js";
import { acquisitionText, applyProposal, parseProposal } from "./apply.js";
import { detectServices, type SetupProposal } from "./detect.js";

const { install, skip } = oracleFor("rampart setup apply (Debian 1.4.6 hub snapshot)");
const HOST = resolve(import.meta.dirname, "../../../test/fixtures/setup-hosts/nginx-web");

describe.skipIf(skip)("rampart setup apply with the Debian hub snapshot (offline)", () => {
  let dir: string;
  let place: HubPlace;
  let proposal: SetupProposal;
  beforeEach(() => {
    dir = makeTempDir("setup-apply");
    place = {
      configDir: join(dir, "etc"),
      hubDir: install.hubDir,
      dataDir: install.dataFilesDir,
      patternsDir: join(install.etcDir, "patterns"),
      // Nothing may be fetched: every item and data file is in the snapshot.
      remote: {
        hubUrl: "http://127.0.0.1:9/",
        hubBranch: "none",
        patternsUrl: "http://127.0.0.1:9/",
      },
    };
    proposal = detectServices({ root: join(HOST, "root") });
  });
  afterEach(() => removeDir(dir));

  it("enables the collections with their members and the whitelists, and writes acquis.yaml", async () => {
    const acquis = join(dir, "acquis.yaml");
    const result = await applyProposal(proposal, place, acquis);
    expect(result.updatedIndex).toBe(false);
    expect(result.backup).toBeNull();
    const enabled = scanInstalled(place.configDir, place.hubDir, readIndex(place.hubDir))
      .filter((f) => f.state === "enabled")
      .map((f) => `${f.item!.type}:${f.item!.name}`)
      .sort();
    for (const name of [
      "collections:crowdsecurity/linux",
      "collections:crowdsecurity/sshd",
      "collections:crowdsecurity/nginx",
      "collections:crowdsecurity/base-http-scenarios",
      "parsers:crowdsecurity/whitelists",
      "parsers:crowdsecurity/nginx-logs",
      "parsers:crowdsecurity/sshd-logs",
      "scenarios:crowdsecurity/ssh-bf",
      "scenarios:crowdsecurity/http-probing",
    ])
      expect(enabled).toContain(name);
    const text = readFileSync(acquis, "utf8");
    expect(text).toBe(acquisitionText(proposal));
    expect(
      parseAcquisition(text, acquis).map((e) => [e.source, e.labels.type, e.config]),
    ).toMatchObject([
      ["file", "syslog", { patterns: ["/var/log/syslog"] }],
      ["file", "syslog", { patterns: ["/var/log/auth.log"] }],
      ["file", "nginx", { patterns: ["/var/log/nginx/*.log"] }],
    ]);
  });

  it("leaves a hub the agent loads without problems", async () => {
    await applyProposal(proposal, place, join(dir, "acquis.yaml"));
    const hub = loadAgentHub(
      { hubDir: place.hubDir, dataDir: place.dataDir, patternsDir: place.patternsDir },
      {
        collections: [],
        ...installedSelection(place.configDir, place.hubDir, readIndex(place.hubDir)).selection,
      },
    );
    expect(hub.problems).toEqual([]);
    expect(hub.scenarios.map((s) => s.name)).toContain("crowdsecurity/http-crawl-non_statics");
  });

  it("a second apply changes nothing and keeps the previous acquisition file when it differs", async () => {
    const acquis = join(dir, "acquis.yaml");
    await applyProposal(proposal, place, acquis);
    const again = await applyProposal(proposal, place, acquis);
    expect(again.outcomes.every((o) => o.enabled === "already")).toBe(true);
    expect(again.backup).toBeNull();
    writeFileSync(acquis, "filenames: [/tmp/x.log]\nlabels: {type: syslog}\n");
    const third = await applyProposal(proposal, place, acquis);
    expect(third.backup).toBe(`${acquis}.bak`);
    expect(readFileSync(`${acquis}.bak`, "utf8")).toContain("/tmp/x.log");
  });

  it("refuses a collection the index does not list before touching anything", async () => {
    const acquis = join(dir, "acquis.yaml");
    await expect(
      applyProposal({ ...proposal, collections: ["someone/nothing"] }, place, acquis),
    ).rejects.toThrow(CliError);
  });
});

describe("setup.yaml proposals", () => {
  it("round-trips a detect output", () => {
    const proposal = detectServices({ root: join(HOST, "root") });
    expect(parseProposal(JSON.parse(JSON.stringify(proposal)), "setup.yaml")).toEqual(proposal);
  });

  it("names the file and the path of a bad entry", () => {
    expect(() =>
      parseProposal(
        parse("acquisition:\n  - source: file\n    filenames: []\n    labels: {type: syslog}\n"),
        "setup.yaml",
      ),
    ).toThrow("setup.yaml: acquisition.0.filenames: Array must contain at least 1 element(s)");
  });
});
