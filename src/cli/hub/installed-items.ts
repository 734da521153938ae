/**
 * Enabling and disabling hub items in CrowdSec's layout under a config dir (cscli `pkg/cwhub`):
 * each enabled item is a symlink `<config>/<type>/[<stage>/]<file>.yaml` → the file in the hub
 * directory. Reading that state back is `agent/hub/installed-items.ts` (the agent reads it too).
 */
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
} from "node:fs";
import { dirname, join, resolve } from "node:path";
import {
  type HubIndex,
  type HubItem,
  installedPath,
  parseHubIndex,
} from "../../engine/hub/hub-index.js";
import { CliError, EXIT } from "../cli-error.js";

/** Reads and parses `<hub>/.index.json` with a clear error. */
export function readIndex(hubDir: string): HubIndex {
  const path = join(hubDir, ".index.json");
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    throw new CliError(
      `no hub index at ${path} (run \`rampart hub update\`, or set hub_dir or RAMPART_HUB_DIR)`,
      EXIT.usage,
    );
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
