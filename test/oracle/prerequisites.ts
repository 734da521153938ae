/**
 * The one place that decides what a test suite does when something it needs is missing (the
 * CrowdSec 1.4.6 oracle, root, a system binary): locally it skips, with a banner that names what
 * is missing and how to get it; in CI (`CI` set, as `.ci/run` does) it fails the run, because a
 * suite that silently skips there proves nothing.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * Whether a suite must skip because of `missing` (names or paths of what it needs; empty when
 * everything is there). Throws in CI instead of skipping.
 */
export function skipUnlessPresent(
  what: string,
  missing: readonly string[],
  howTo: string,
): boolean {
  if (missing.length === 0) return false;
  if (process.env.CI) {
    throw new Error(`${what}: missing in CI (${missing.join(", ")}); ${howTo}`);
  }
  const bar = "!".repeat(100);
  console.warn(
    `\n${bar}\n!! SKIPPING ${what}: missing ${missing.join(", ")}.\n!! ${howTo}\n${bar}\n`,
  );
  return true;
}

/** Whether `command` runs (`<command> --version` exits 0). */
export function hasCommand(command: string): boolean {
  try {
    execFileSync(command, ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** `systemd-journal-remote` where Debian installs it (it writes the journals the tests read). */
export const JOURNAL_REMOTE = [
  "/lib/systemd/systemd-journal-remote",
  "/usr/lib/systemd/systemd-journal-remote",
].find((p) => existsSync(p));

/** Whether a suite that reads a real journal (journalctl + systemd-journal-remote) must skip. */
export function skipWithoutJournal(what: string): boolean {
  return skipUnlessPresent(
    what,
    [
      ...(hasCommand("journalctl") ? [] : ["journalctl"]),
      ...(JOURNAL_REMOTE === undefined ? ["systemd-journal-remote"] : []),
    ],
    "apt-get install systemd-journal-remote (.ci/run does)",
  );
}

/** The team's snapshot of the current CrowdSec hub (`../shared/crowdsec-hub` beside the repo). */
export interface CurrentHub {
  root: string;
  hubDir: string;
  dataDir: string;
  patternsDir: string;
}

/** Where the current-hub snapshot is: `RAMPART_CURRENT_HUB` or `../shared/crowdsec-hub`. */
export function currentHub(): CurrentHub {
  const root = resolve(
    process.env.RAMPART_CURRENT_HUB ??
      join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "shared", "crowdsec-hub"),
  );
  return {
    root,
    hubDir: join(root, "hub"),
    dataDir: join(root, "data"),
    patternsDir: join(root, "patterns"),
  };
}

/** Whether a suite that reads the current hub snapshot must skip (fails in CI). */
export function skipWithoutCurrentHub(what: string): boolean {
  const hub = currentHub();
  const needed = [
    join(hub.hubDir, ".index.json"),
    join(hub.hubDir, ".tests"),
    hub.dataDir,
    hub.patternsDir,
  ];
  return skipUnlessPresent(
    what,
    needed.filter((p) => !existsSync(p)),
    "the current CrowdSec hub snapshot is expected at ../shared/crowdsec-hub (or RAMPART_CURRENT_HUB)",
  );
}
