/**
 * The one place that decides what a test suite does when something it needs is missing (the
 * CrowdSec 1.4.6 oracle, root, a system binary): locally it skips, with a banner that names what
 * is missing and how to get it; in CI (`CI` set, as `.ci/run` does) it fails the run, because a
 * suite that silently skips there proves nothing.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";

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
