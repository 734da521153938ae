/**
 * `hub update` and the install/upgrade of items, the way current cscli plans them
 * (crowdsecurity/crowdsec `pkg/hubops`: download, then enable): an item is downloaded into the
 * hub dir when it is missing there or older than the index's latest version, its data files into
 * the data dir, and then symlinked into the config dir. Local items are never touched; tainted
 * ones (edited copies) only with `force`. Everything is fetched and checked before anything is
 * written (`staged-files.ts`).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  downloadedVersion,
  type InstalledFile,
  scanInstalled,
} from "../../../agent/hub/installed-items.js";
import { type HubIndex, type HubItem, parseHubIndex } from "../../engine/hub/hub-index.js";
import { CliError, EXIT } from "../cli-error.js";
import { download, type HubRemote, hubFileUrl, patternFileUrl } from "./hub-remote.js";
import { disableItem, enableItem } from "./installed-items.js";
import { dataSources, fetchItem, stageDataFiles } from "./item-download.js";
import { PATTERN_FILES } from "./pattern-files.js";
import { commitStaged, type StagedFile } from "./staged-files.js";

/** Directories and remote of one hub operation. */
export interface HubPlace {
  configDir: string;
  hubDir: string;
  dataDir: string;
  patternsDir: string;
  remote: HubRemote;
}

/** What `updateHub` did. */
export interface UpdateResult {
  index: HubIndex;
  indexBytes: number;
  patterns: number;
}

/**
 * `hub update`: fetches `<hub url>/<branch>/.index.json` and CrowdSec's grok patterns, checks the
 * index parses, then writes `<hub dir>/.index.json` and `<patterns dir>/*`.
 */
export async function updateHub(place: HubPlace): Promise<UpdateResult> {
  const url = hubFileUrl(place.remote, ".index.json");
  const bytes = await download(url);
  let index: HubIndex;
  try {
    index = parseHubIndex(new TextDecoder().decode(bytes));
  } catch (error) {
    throw new CliError(
      `${url} is not a hub index: ${(error as Error).message.split("\n")[0]}`,
      EXIT.failure,
    );
  }
  const staged: StagedFile[] = [{ root: place.hubDir, path: ".index.json", bytes }];
  for (const name of PATTERN_FILES) {
    staged.push({
      root: place.patternsDir,
      path: name,
      bytes: await download(patternFileUrl(place.remote, name)),
    });
  }
  commitStaged(staged);
  return { index, indexBytes: bytes.length, patterns: PATTERN_FILES.length };
}

/** What happened to one item of an install or upgrade. */
export interface ItemOutcome {
  item: HubItem;
  /** Why it was left alone (tainted without force). */
  skipped?: string;
  /** The hub dir's copy was (re)downloaded; `from` is the version it replaced (null: none). */
  downloaded?: { from: string | null };
  /** `new`: linked now; `relinked`: a broken link or tainted copy replaced; `already`: unchanged. */
  enabled?: "new" | "relinked" | "already";
}

function isTainted(file: InstalledFile | undefined, hubVersion: string | null): boolean {
  return file?.state === "tainted" || hubVersion === "?";
}

/**
 * Brings `items` (a closure: collections with their members) to the index's latest version and
 * enables them: downloads what is missing or outdated (sha256-checked), their missing data files,
 * then links each into the config dir.
 */
export async function installItems(
  place: HubPlace,
  index: HubIndex,
  items: readonly HubItem[],
  force: boolean,
): Promise<ItemOutcome[]> {
  const installed = scanInstalled(place.configDir, place.hubDir, index);
  const outcomes: ItemOutcome[] = [];
  const staged: StagedFile[] = [];
  for (const item of items) {
    const file = installed.find((f) => f.item === item);
    const hubVersion = downloadedVersion(place.hubDir, item);
    if (isTainted(file, hubVersion) && !force) {
      outcomes.push({ item, skipped: "is tainted (use --force)" });
      continue;
    }
    const outdated = hubVersion === null || (hubVersion !== "" && hubVersion !== item.version);
    let text: string;
    const outcome: ItemOutcome = { item };
    if (outdated) {
      const bytes = await fetchItem(place.remote, item);
      staged.push({ root: place.hubDir, path: item.path, bytes });
      text = new TextDecoder().decode(bytes);
      outcome.downloaded = { from: hubVersion };
    } else {
      text = readFileSync(join(place.hubDir, item.path), "utf8");
    }
    const sources = dataSources(text, `${item.type} ${item.name}`);
    staged.push(...(await stageDataFiles(place.remote, place.dataDir, sources, force)));
    outcomes.push(outcome);
  }
  commitStaged(staged);
  for (const outcome of outcomes) {
    if (outcome.skipped) continue;
    const file = installed.find((f) => f.item === outcome.item);
    const replace = file?.state === "broken" || file?.state === "tainted";
    if (replace) disableItem(place.configDir, outcome.item);
    const linked = enableItem(place.configDir, place.hubDir, outcome.item, force);
    outcome.enabled = !linked ? "already" : file && replace ? "relinked" : "new";
  }
  return outcomes;
}
