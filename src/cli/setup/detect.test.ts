import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { type DetectOptions, detectServices } from "./detect.js";

const FIXTURES = resolve(import.meta.dirname, "../../../test/fixtures/setup-hosts");
const hosts = readdirSync(FIXTURES, { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => e.name)
  .sort();

describe("rampart setup detect on the fixture hosts", () => {
  it("has fixture hosts", () => {
    expect(hosts.length).toBeGreaterThanOrEqual(8);
  });

  for (const host of hosts) {
    it(`proposes exactly the expected collections and acquisition for ${host}`, () => {
      const dir = join(FIXTURES, host);
      const optionsFile = join(dir, "options.yaml");
      const options = (
        existsSync(optionsFile) ? parse(readFileSync(optionsFile, "utf8")) : {}
      ) as DetectOptions;
      const expected = parse(readFileSync(join(dir, "expected.yaml"), "utf8"));
      expect(detectServices({ ...options, root: join(dir, "root") })).toEqual(expected);
    });
  }

  it("proposes the private-range whitelists by default and only linux on an empty host", () => {
    const proposal = detectServices({ root: join(FIXTURES, "bare-container/root") });
    expect(proposal).toEqual({
      services: [],
      collections: ["crowdsecurity/linux"],
      parsers: ["crowdsecurity/whitelists"],
      acquisition: [],
    });
  });

  it("treats a missing root as a host with nothing installed", () => {
    const proposal = detectServices({ root: join(FIXTURES, "no-such-host") });
    expect(proposal.services).toEqual([]);
  });
});
