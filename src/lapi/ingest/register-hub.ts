import type { Db } from "../../db/client";
import {
  type HubContentRow,
  type MachineHubItem,
  storeHubRegistration,
} from "../../db/hub-registry";
import type { HubRegistration } from "../../shared/ingest-wire";
import { ApiError } from "../errors";
import {
  compilePostoverflows,
  compileScenarioFile,
  DEFAULT_POSTOVERFLOW_STAGE,
  dataFilesOf,
  type HubFile,
} from "./hub-compile";

/** Answer of `POST /v1/rampart/hub`. */
export interface HubRegistrationResult {
  scenarios: number;
  postoverflows: number;
  data: number;
  /** Rows whose content changed (0 when the same hub is registered again). */
  changed: { items: number; data: number };
}

/** Largest data file stored (UTF-8 bytes): one D1 row holds it, and D1 caps values at 2 MB. */
export const MAX_DATA_FILE_BYTES = 1_500_000;

export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * The content key of a registered file: sha256 over its kind, name, hash and the name and hash of
 * every data file it references, so equal keys compile to equal scenarios (what lets machines
 * share a bucket) and any difference, data included, is another key.
 */
export function contentKey(
  kind: string,
  file: Pick<HubFile, "name" | "hash">,
  data: Readonly<Record<string, string>>,
): Promise<string> {
  const refs = Object.keys(data)
    .sort()
    .map((name) => `${name}\u0000${data[name]}`);
  return sha256Hex([kind, file.name, file.hash, ...refs].join("\u0000"));
}

/**
 * Validates and stores an agent's hub as that machine's hub: every scenario and postoverflow
 * must compile (with the data files sent along) and match its announced hash, or nothing is
 * stored and the answer is a 400 naming the item and the reason. Other machines' hubs are not
 * touched (issue 12, hole 3).
 */
export async function registerHub(
  db: Db,
  reg: HubRegistration,
  machineId: string,
  now: number,
): Promise<HubRegistrationResult> {
  const data = new Map(Object.entries(reg.data));
  for (const [name, content] of data) {
    if (new TextEncoder().encode(content).length > MAX_DATA_FILE_BYTES) {
      throw new ApiError(
        "badRequest",
        `data file ${name}: larger than ${MAX_DATA_FILE_BYTES} bytes`,
      );
    }
  }
  const items: (HubFile & { kind: "scenario" | "postoverflow" })[] = [];
  for (const [kind, list] of [
    ["scenario", reg.scenarios],
    ["postoverflow", reg.postoverflows],
  ] as const) {
    const seen = new Set<string>();
    for (const item of list) {
      if (seen.has(item.name))
        throw new ApiError("badRequest", `${kind} ${item.name}: listed twice`);
      seen.add(item.name);
      const actual = await sha256Hex(item.content);
      if (actual !== item.hash) {
        throw new ApiError(
          "badRequest",
          `${kind} ${item.name}: hash ${item.hash} does not match its content (sha256 ${actual})`,
        );
      }
      items.push({
        kind,
        name: item.name,
        hash: item.hash,
        version: item.version,
        content: item.content,
        stage: kind === "postoverflow" ? (item.stage ?? DEFAULT_POSTOVERFLOW_STAGE) : "",
      });
    }
  }
  for (const item of items.filter((i) => i.kind === "scenario")) {
    let count: number;
    try {
      count = compileScenarioFile(item, data, { registration: true }).length;
    } catch (error) {
      throw new ApiError("badRequest", `scenario ${item.name}: ${(error as Error).message}`);
    }
    if (count === 0) throw new ApiError("badRequest", `scenario ${item.name}: no scenario in file`);
  }
  const postoverflows = items.filter((i) => i.kind === "postoverflow");
  const { problems } = compilePostoverflows(postoverflows, data, { registration: true });
  if (problems.length > 0) {
    throw new ApiError("badRequest", `postoverflow ${problems[0]!.name}: ${problems[0]!.reason}`);
  }
  const dataHashes = new Map<string, string>();
  for (const [name, content] of data) dataHashes.set(name, await sha256Hex(content));
  const contents: HubContentRow[] = [];
  const machineItems: MachineHubItem[] = [];
  for (const item of items) {
    const refs: Record<string, string> = {};
    for (const name of dataFilesOf(item.content)) {
      const hash = dataHashes.get(name);
      if (hash !== undefined) refs[name] = hash;
    }
    const key = await contentKey(item.kind, item, refs);
    contents.push({
      key,
      kind: item.kind,
      name: item.name,
      hash: item.hash,
      version: item.version,
      content: item.content,
      data: refs,
    });
    machineItems.push({
      kind: item.kind,
      name: item.name,
      hash: item.hash,
      contentKey: key,
      stage: item.stage,
    });
  }
  const used = new Set(contents.flatMap((c) => Object.values(c.data)));
  const dataRows = [...data]
    .filter(([name]) => used.has(dataHashes.get(name)!))
    .map(([name, content]) => ({ hash: dataHashes.get(name)!, content }));
  const changed = await storeHubRegistration(db, machineId, contents, dataRows, machineItems, now);
  return {
    scenarios: reg.scenarios.length,
    postoverflows: postoverflows.length,
    data: data.size,
    changed: { items: changed.itemsChanged, data: changed.dataChanged },
  };
}
