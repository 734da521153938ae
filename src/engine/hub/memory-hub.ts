import type { HubIndex, HubItem } from "./hub-index.js";
import type { HubSource } from "./hub-loader.js";

/** One hub file held in memory (a registered file in the LAPI, a fixture in a test). */
export interface MemoryHubFile {
  type: "parsers" | "postoverflows" | "scenarios";
  /** `author/name`. */
  name: string;
  /** Parser / postoverflow stage (`s01-whitelist`); ignored for scenarios. */
  stage?: string;
  version?: string;
  /** sha256 of the content, when known (the scenario hash absent a `hash` option). */
  digest?: string;
  content: string;
}

/**
 * A hub index and source over in-memory files, laid out as the hub lays them out
 * (`<type>/<stage>/<author>/<name>.yaml`), so `loadHub` loads them like a hub on disk.
 */
export function memoryHub(
  files: readonly MemoryHubFile[],
  deps: { readData?: HubSource["readData"]; patterns?: Record<string, string> } = {},
): { index: HubIndex; source: HubSource } {
  const index: HubIndex = {
    parsers: new Map(),
    postoverflows: new Map(),
    scenarios: new Map(),
    contexts: new Map(),
    collections: new Map(),
  };
  const contents = new Map<string, string>();
  for (const file of files) {
    const stage = file.type === "scenarios" ? "" : (file.stage ?? "");
    const path = `${file.type}/${stage ? `${stage}/` : ""}${file.name}.yaml`;
    const item: HubItem = {
      type: file.type,
      name: file.name,
      path,
      stage,
      version: file.version ?? "",
      digest: file.digest ?? "",
      members: { parsers: [], postoverflows: [], scenarios: [], collections: [] },
    };
    index[file.type].set(file.name, item);
    contents.set(path, file.content);
  }
  return {
    index,
    source: {
      readHub: (path) => contents.get(path) ?? null,
      readData: deps.readData ?? (() => null),
      patterns: deps.patterns ?? {},
    },
  };
}
