/**
 * Fetches CrowdSec 1.4.6 and its bouncers from Debian and unpacks them (no install scripts) into
 * `.cache/crowdsec/root`, the reference oracle of the differential and end-to-end tests.
 *
 * Idempotent: does nothing when `.cache/crowdsec/root/usr/bin/crowdsec` already exists.
 * Usage: `node --import tsx scripts/fetch-crowdsec.ts` (called by `.ci/run`).
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const PACKAGES = ["crowdsec", "crowdsec-custom-bouncer", "crowdsec-firewall-bouncer"] as const;

/** Paths of the oracle cache under a repository root. */
export function crowdsecCachePaths(repoRoot: string) {
  const cache = join(repoRoot, ".cache", "crowdsec");
  return {
    debs: join(cache, "debs"),
    root: join(cache, "root"),
    marker: join(cache, "root", "usr", "bin", "crowdsec"),
  };
}

function run(cmd: string, args: string[], cwd: string): boolean {
  const result = spawnSync(cmd, args, { cwd, stdio: "inherit" });
  if (result.error) throw result.error;
  return result.status === 0;
}

/** Downloads and unpacks the packages unless the marker binary is already there. */
export function fetchCrowdsec(repoRoot: string): "cached" | "fetched" {
  const paths = crowdsecCachePaths(repoRoot);
  if (existsSync(paths.marker)) return "cached";
  mkdirSync(paths.debs, { recursive: true });
  mkdirSync(paths.root, { recursive: true });
  // `apt-get download` needs package lists; a fresh container has none, so refresh once on failure.
  if (!run("apt-get", ["download", ...PACKAGES], paths.debs)) {
    if (!run("apt-get", ["update", "-qq"], paths.debs)) {
      throw new Error("apt-get update failed; cannot fetch the CrowdSec oracle packages");
    }
    if (!run("apt-get", ["download", ...PACKAGES], paths.debs)) {
      throw new Error(`apt-get download ${PACKAGES.join(" ")} failed`);
    }
  }
  for (const pkg of PACKAGES) {
    const deb = readdirSync(paths.debs).find((f) => f.startsWith(`${pkg}_`) && f.endsWith(".deb"));
    if (!deb) throw new Error(`no .deb for ${pkg} in ${paths.debs}`);
    // `dpkg -x` only extracts the data archive: maintainer scripts never run.
    if (!run("dpkg", ["-x", join(paths.debs, deb), paths.root], paths.debs)) {
      throw new Error(`dpkg -x ${deb} failed`);
    }
  }
  if (!existsSync(paths.marker)) throw new Error(`${paths.marker} missing after unpacking`);
  return "fetched";
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");
  const outcome = fetchCrowdsec(repoRoot);
  console.log(`crowdsec oracle ${outcome}: ${crowdsecCachePaths(repoRoot).root}`);
}
