import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../oracle/crowdsec-config.js";

/** README blocks introduced by `<!-- deploy/<file> -->`: the file each claims to show → its text. */
function readmeDeployBlocks(): Map<string, string> {
  const readme = readFileSync(join(repoRoot(), "README.md"), "utf8");
  const blocks = new Map<string, string>();
  for (const m of readme.matchAll(/<!-- (deploy\/[^ ]+) -->\n```[a-z]*\n([\s\S]*?)```\n/g)) {
    blocks.set(m[1]!, m[2]!);
  }
  return blocks;
}

describe("README deployment configs", () => {
  const blocks = readmeDeployBlocks();

  it("shows the deployment files the e2e tests run", () => {
    expect([...blocks.keys()].sort()).toEqual([
      "deploy/one-host/crowdsec-firewall-bouncer.yaml",
      "deploy/tls/nginx.conf",
    ]);
  });

  it.each([...blocks])("%s in the README is the file itself", (file, text) => {
    expect(text).toBe(readFileSync(join(repoRoot(), file), "utf8"));
  });
});
