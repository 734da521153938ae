/**
 * Fetching hub items and their data files (current cscli `pkg/hubops/download.go`,
 * `pkg/cwhub/fetch.go`): an item's bytes must hash to the sha256 its latest version has in the
 * index, or nothing is written; the `data:` entries of its YAML documents name the data files
 * it needs in the data dir.
 */
import { existsSync } from "node:fs";
import { parseAllDocuments } from "yaml";
import { sha256Hex } from "../../../agent/hub/installed-items.js";
import type { HubItem } from "../../engine/hub/hub-index.js";
import { CliError, EXIT } from "../cli-error.js";
import { dataFileUrl, download, type HubRemote, hubFileUrl } from "./hub-remote.js";
import { insideRoot, type StagedFile } from "./staged-files.js";

/**
 * Downloads the latest version of `item` and checks its sha256. An index without a digest for
 * it, or bytes that do not match, is refused (cscli: "hash mismatch … The index file is invalid").
 */
export async function fetchItem(remote: HubRemote, item: HubItem): Promise<Uint8Array> {
  if (!item.digest) {
    throw new CliError(
      `${item.type} ${item.name}: the index lists no sha256 for version '${item.version}' (run \`rampart hub update\`)`,
      EXIT.failure,
    );
  }
  const url = hubFileUrl(remote, item.path);
  const bytes = await download(url);
  const got = sha256Hex(bytes);
  if (got !== item.digest) {
    throw new CliError(
      `${item.type} ${item.name}: hash mismatch for ${url}: expected ${item.digest}, got ${got}; refused, nothing written (run \`rampart hub update\` if the index is stale)`,
      EXIT.failure,
    );
  }
  return bytes;
}

/** One `data:` entry of an item (`types.DataSource`). */
export interface DataSource {
  sourceUrl: string;
  destFile: string;
}

/** The `data:` entries of every YAML document of an item file. */
export function dataSources(text: string, what: string): DataSource[] {
  const out: DataSource[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0)
      throw new CliError(`${what}: invalid YAML: ${doc.errors[0]!.message}`, EXIT.failure);
    const value = doc.toJS() as { data?: unknown } | null;
    if (!value || typeof value !== "object" || !Array.isArray(value.data)) continue;
    for (const entry of value.data as { source_url?: unknown; dest_file?: unknown }[]) {
      if (typeof entry?.source_url !== "string" || typeof entry?.dest_file !== "string") {
        throw new CliError(`${what}: a data entry lacks source_url or dest_file`, EXIT.failure);
      }
      out.push({ sourceUrl: entry.source_url, destFile: entry.dest_file });
    }
  }
  return out;
}

/**
 * Fetches the data files of `sources` into staged files under `dataDir`. A file already there
 * is kept unless `force` (cscli re-fetches after a 7-day shelf life; Rampart leaves that to
 * `--force`), and so is one present under its `source_url` basename (Debian's layout).
 */
export async function stageDataFiles(
  remote: HubRemote,
  dataDir: string,
  sources: readonly DataSource[],
  force: boolean,
): Promise<StagedFile[]> {
  const out: StagedFile[] = [];
  const seen = new Set<string>();
  for (const source of sources) {
    const full = insideRoot(dataDir, source.destFile);
    if (seen.has(full) || (!force && existsSync(full))) continue;
    // Debian's data dir ships some files under their source_url basename, which the engine's
    // loader reads when dest_file is absent (data-registry.ts): that copy counts as installed.
    const shipped = source.sourceUrl.split("/").pop() ?? "";
    if (!force && shipped !== "" && existsSync(insideRoot(dataDir, shipped))) continue;
    seen.add(full);
    out.push({
      root: dataDir,
      path: source.destFile,
      bytes: await download(dataFileUrl(remote, source.sourceUrl)),
    });
  }
  return out;
}
