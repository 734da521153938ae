/**
 * The body of `POST /v1/rampart/hub`: the scenario and postoverflow files an agent runs, verbatim,
 * with their sha256 (CrowdSec's `scenario_hash` is the sha256 of the scenario file), their hub
 * version, and the data files their `data:` sections name. The LAPI compiles the same files, so the
 * buckets it pours into behave as the agent's own scenarios would (no redeploy to add one).
 */
import { createHash } from "node:crypto";
import type { HubItem } from "../../src/engine/hub/hub-index.js";
import type { HubSource } from "../../src/engine/hub/hub-loader.js";
import { decodeYamlDocuments } from "../../src/engine/parser/yaml-documents.js";
import type { HubItemWire, HubRegistration } from "../../src/shared/ingest-wire.js";

/** sha256 (hex) of a hub file, as `alert.scenario_hash`. */
export function hubFileHash(content: string): string {
  return createHash("sha256").update(content).digest("hex");
}

/** `data[].dest_file` of every document of a YAML file (unreadable YAML names none). */
export function referencedDataFiles(content: string): string[] {
  let docs: unknown[];
  try {
    docs = decodeYamlDocuments(content);
  } catch {
    return [];
  }
  const names: string[] = [];
  for (const doc of docs) {
    const data = (doc as { data?: unknown } | null)?.data;
    if (!Array.isArray(data)) continue;
    for (const entry of data) {
      const dest = (entry as { dest_file?: unknown } | null)?.dest_file;
      if (typeof dest === "string" && dest !== "") names.push(dest);
    }
  }
  return names;
}

/** Why a registration could not include something. */
export interface RegistrationProblem {
  item: string;
  reason: string;
}

/**
 * Builds the registration of `scenarios` and `postoverflows` read from `source`. A data file the
 * data directory lacks is reported and left out (1.4.6 then runs the scenario with an empty list,
 * and so will the LAPI).
 */
export function buildHubRegistration(
  source: HubSource,
  items: { scenarios: readonly HubItem[]; postoverflows: readonly HubItem[] },
): { registration: HubRegistration; problems: RegistrationProblem[] } {
  const problems: RegistrationProblem[] = [];
  const data: Record<string, string> = {};
  const wire = (item: HubItem): HubItemWire | null => {
    const content = source.readHub(item.path);
    if (content === null) {
      problems.push({ item: item.name, reason: `${item.path} not found in hub` });
      return null;
    }
    for (const name of referencedDataFiles(content)) {
      if (name in data) continue;
      const text = source.readData(name);
      if (text === null) problems.push({ item: item.name, reason: `data file ${name} not found` });
      else data[name] = text;
    }
    const wired: HubItemWire = {
      name: item.name,
      hash: hubFileHash(content),
      version: item.version,
      content,
    };
    // Postoverflow stages run in order (`s00-enrich`, `s01-whitelist`), so the LAPI needs them.
    if (item.type === "postoverflows" && item.stage !== "") wired.stage = item.stage;
    return wired;
  };
  const present = (list: readonly HubItem[]) =>
    list.map(wire).filter((x): x is HubItemWire => x !== null);
  return {
    registration: {
      scenarios: present(items.scenarios),
      postoverflows: present(items.postoverflows),
      data,
    },
    problems,
  };
}
