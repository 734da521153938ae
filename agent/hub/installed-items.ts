/**
 * The installed state of a CrowdSec-style config dir, read the way current cscli reads it
 * (crowdsecurity/crowdsec `pkg/cwhub/sync.go`): an enabled item is a symlink
 * `<config>/<type>/[<stage>/]<file>.yaml` → its downloaded copy in the hub dir
 * (`<hub>/<type>/[<stage>/]<author>/<file>.yaml`); the copy's sha256 names its version among the
 * index's versions, and a copy matching none is "tainted" (edited). A regular file in the config
 * dir is a local item — or, when it sits at a hub item's installed path, a tainted copy of it (as
 * Rampart's 1.4.6-era layout always treated it). The CLI and the agent share this reading.
 */
import { createHash } from "node:crypto";
import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import {
  HUB_ITEM_TYPES,
  type HubIndex,
  type HubItem,
  type HubItemType,
  installedPath,
} from "../../src/engine/hub/hub-index.js";

/** One file found under the config dir. */
export interface InstalledFile {
  type: HubItemType;
  /** Path relative to the config dir (`parsers/s01-parse/sshd-logs.yaml`). */
  path: string;
  /** The hub item it is (symlink into the hub, or same installed path), if any. */
  item?: HubItem;
  /**
   * `enabled`: symlink to the latest version; `outdated`: to an older version; `tainted`: to a copy
   * matching no version, or a regular file at the item's installed path; `local`: any other
   * regular file; `broken`: dangling symlink.
   */
  state: "enabled" | "outdated" | "local" | "tainted" | "broken";
  /** The version the file's sha256 matches ("?" when none does, "" when the index lists none). */
  localVersion: string;
}

/** sha256 (hex) of `bytes`. */
export function sha256Hex(bytes: string | Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/**
 * The version of `item` whose digest is `hash` ("?" when none is; "" when the index lists no
 * versions, as a hand-made snapshot may). The newest wins a collision, as in cscli (#154).
 */
export function versionOfHash(item: HubItem, hash: string): string {
  const versions = Object.entries(item.versions ?? {});
  if (versions.length === 0) return "";
  const hits = versions.filter(([, digest]) => digest === hash).map(([v]) => v);
  if (hits.length === 0) return "?";
  return hits.sort(compareVersions).at(-1)!;
}

/** Numeric dotted-version order (`0.10` > `0.9`), the hub's version scheme. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(".").map(Number);
  const pb = b.split(".").map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** The version of the hub dir's copy of `item`: `null` when it is not downloaded. */
export function downloadedVersion(hubDir: string, item: HubItem): string | null {
  const full = join(hubDir, item.path);
  if (!existsSync(full)) return null;
  return versionOfHash(item, sha256Hex(readFileSync(full)));
}

function walk(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walk(full));
    else if (/\.ya?ml$/.test(entry.name)) out.push(full);
  }
  return out;
}

function stateOf(item: HubItem | undefined, version: string): InstalledFile["state"] {
  if (!item || version === "" || version === item.version) return "enabled";
  return version === "?" ? "tainted" : "outdated";
}

/** Every item file under `configDir`, matched against the hub index. */
export function scanInstalled(configDir: string, hubDir: string, index: HubIndex): InstalledFile[] {
  const out: InstalledFile[] = [];
  const hubRoot = resolve(hubDir);
  for (const type of HUB_ITEM_TYPES) {
    const byHubPath = new Map([...index[type].values()].map((i) => [i.path, i]));
    const byInstalled = new Map([...index[type].values()].map((i) => [installedPath(i), i]));
    for (const full of walk(join(configDir, type)).sort()) {
      const path = relative(configDir, full);
      if (lstatSync(full).isSymbolicLink()) {
        const target = resolve(dirname(full), readlinkSync(full));
        const item = byHubPath.get(relative(hubRoot, target));
        if (!existsSync(target)) {
          out.push({ type, path, item, state: "broken", localVersion: "" });
          continue;
        }
        const version = item ? versionOfHash(item, sha256Hex(readFileSync(target))) : "";
        out.push({ type, path, item, state: stateOf(item, version), localVersion: version });
      } else {
        const item = byInstalled.get(path);
        out.push({ type, path, item, state: item ? "tainted" : "local", localVersion: "" });
      }
    }
  }
  return out;
}

/** What the agent loads from an installed config dir. */
export interface InstalledSelection {
  /** Every hub item installed there (not broken), by type. */
  selection: Record<"parsers" | "postoverflows" | "scenarios", string[]>;
  /** Hub path → installed file, for tainted regular files (their content is what runs). */
  overrides: Map<string, string>;
  /** Installed files the index-driven loader cannot run (local items, broken links). */
  skipped: string[];
}

/**
 * The items installed under `configDir` (`cscli … install` / `rampart … install`), as the agent's
 * selection: collections are markers only (their members are installed files of their own).
 */
export function installedSelection(
  configDir: string,
  hubDir: string,
  index: HubIndex,
): InstalledSelection {
  const out: InstalledSelection = {
    selection: { parsers: [], postoverflows: [], scenarios: [] },
    overrides: new Map(),
    skipped: [],
  };
  for (const file of scanInstalled(configDir, hubDir, index)) {
    if (file.state === "broken" || file.state === "local" || !file.item) {
      if (file.type !== "collections" && file.type !== "contexts")
        out.skipped.push(
          `${file.path} (${file.state === "broken" ? "broken link" : "local item"})`,
        );
      continue;
    }
    const { item } = file;
    if (item.type !== "parsers" && item.type !== "postoverflows" && item.type !== "scenarios")
      continue;
    out.selection[item.type].push(item.name);
    if (!lstatSync(join(configDir, file.path)).isSymbolicLink())
      out.overrides.set(item.path, join(configDir, file.path));
  }
  return out;
}
