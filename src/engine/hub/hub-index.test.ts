import { describe, expect, it } from "vitest";
import {
  installedPath,
  parseHubIndex,
  resolveCollections,
  sortByInstalledPath,
} from "./hub-index.js";

const INDEX = JSON.stringify({
  parsers: {
    "a/syslog": { path: "parsers/s00-raw/a/syslog.yaml", stage: "s00-raw" },
    "a/sshd": { path: "parsers/s01-parse/a/sshd.yaml", stage: "s01-parse" },
    "b/dates": { path: "parsers/s02-enrich/b/dates.yaml", stage: "s02-enrich" },
  },
  scenarios: { "a/bf": { path: "scenarios/a/bf.yaml" } },
  postoverflows: {},
  collections: {
    "a/linux": {
      path: "collections/a/linux.yaml",
      parsers: ["a/syslog", "b/dates"],
      collections: ["a/ssh"],
    },
    "a/ssh": {
      path: "collections/a/ssh.yaml",
      parsers: ["a/sshd"],
      scenarios: ["a/bf", "a/gone"],
      collections: ["a/linux"],
    },
  },
});

describe("hub index and collections", () => {
  const index = parseHubIndex(INDEX);

  it("resolves collections recursively, once per item, and reports missing members", () => {
    const resolved = resolveCollections(index, ["a/linux"]);
    expect(resolved.collections.map((i) => i.name)).toEqual(["a/linux", "a/ssh"]);
    expect(resolved.parsers.map((i) => i.name)).toEqual(["a/syslog", "b/dates", "a/sshd"]);
    expect(resolved.scenarios.map((i) => i.name)).toEqual(["a/bf"]);
    expect(resolved.missing).toEqual([{ type: "scenarios", name: "a/gone", requiredBy: "a/ssh" }]);
  });

  it("orders items by installed path, which drops the author directory", () => {
    const items = sortByInstalledPath(resolveCollections(index, ["a/linux"]).parsers);
    expect(items.map(installedPath)).toEqual([
      "parsers/s00-raw/syslog.yaml",
      "parsers/s01-parse/sshd.yaml",
      "parsers/s02-enrich/dates.yaml",
    ]);
  });
});
