/**
 * CrowdSec's layout of enabled hub items under a config dir (cscli 1.4.6 pkg/cwhub): each enabled
 * item is a symlink `<config>/<type>/[<stage>/]<file>.yaml` → the file in the hub directory; a
 * regular file there is a local item (or a hub item someone copied and edited: "tainted").
 */
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
} from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import {
  HUB_ITEM_TYPES,
  type HubIndex,
  type HubItem,
  type HubItemType,
  installedPath,
  parseHubIndex,
} from "../../engine/hub/hub-index.js";
import { CliError, EXIT } from "../cli-error.js";

/** One file found under the config dir. */
export interface InstalledFile {
  type: HubItemType;
  /** Path relative to the config dir (`parsers/s01-parse/sshd-logs.yaml`). */
  path: string;
  /** The hub item it is (symlink into the hub, or same installed path), if any. */
  item?: HubItem;
  /** `enabled`: symlink into the hub; `local`: a regular file; `broken`: dangling symlink. */
  state: "enabled" | "local" | "tainted" | "broken";
}

/** Reads and parses `<hub>/.index.json` with a clear error. */
export function readIndex(hubDir: string): HubIndex {
  const path = join(hubDir, ".index.json");
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    throw new CliError(`no hub index at ${path} (set hub_dir or RAMPART_HUB_DIR)`, EXIT.usage);
  }
  try {
    return parseHubIndex(text);
  } catch (error) {
    throw new CliError(
      `${path}: invalid hub index: ${(error as Error).message.split("\n")[0]}`,
      EXIT.usage,
    );
  }
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
        out.push({ type, path, item, state: existsSync(target) ? "enabled" : "broken" });
      } else {
        const item = byInstalled.get(path);
        out.push({ type, path, item, state: item ? "tainted" : "local" });
      }
    }
  }
  return out;
}

/** Symlinks one item into the config dir; returns false when it was already enabled. */
export function enableItem(
  configDir: string,
  hubDir: string,
  item: HubItem,
  force: boolean,
): boolean {
  const link = join(configDir, installedPath(item));
  const target = resolve(hubDir, item.path);
  if (!existsSync(target))
    throw new CliError(`${item.name}: ${item.path} is missing from the hub`, EXIT.failure);
  if (existsSync(link) || isLink(link)) {
    if (isLink(link) && resolve(dirname(link), readlinkSync(link)) === target) return false;
    if (!force) {
      throw new CliError(
        `${installedPath(item)} exists and is not the hub's ${item.name} (use --force to replace it)`,
        EXIT.failure,
      );
    }
    rmSync(link);
  }
  mkdirSync(dirname(link), { recursive: true });
  symlinkSync(target, link);
  return true;
}

/** Removes an item's file from the config dir; returns false when it was not installed. */
export function disableItem(configDir: string, item: HubItem): boolean {
  const link = join(configDir, installedPath(item));
  if (!existsSync(link) && !isLink(link)) return false;
  rmSync(link);
  return true;
}

function isLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}
