import { createDataRegistry } from "../hub/data-registry.js";
import {
  installedPath,
  parseHubIndex,
  resolveCollections,
  sortByInstalledPath,
} from "../hub/hub-index.js";
import type { ExprCompilerFactory, HubSource } from "../hub/hub-loader.js";
import { createStashStore } from "../parser/stash.js";
import { type CompiledScenario, compileScenario } from "./compile.js";
import { decodeScenarioFile } from "./config.js";

export interface HubScenarioOptions {
  /** Collections to resolve recursively, like `cscli collections install`. */
  collections?: readonly string[];
  /** Scenarios installed besides the collections (`author/name`). */
  scenarios?: readonly string[];
  compilerFactory: ExprCompilerFactory;
  /**
   * sha256 (hex) of a scenario file — `alert.scenario_hash`. Hashing is synchronous in Node only,
   * so the caller provides it; absent ⇒ the hub index's digest of the installed version.
   */
  hash?: (content: string) => string;
  /** Scenarios in simulation mode (`simulation.yaml`). */
  simulated?: (name: string) => boolean;
}

export interface HubScenarios {
  scenarios: CompiledScenario[];
  /** Files or documents that did not compile (1.4.6 would refuse to start). */
  problems: { path: string; reason: string }[];
  /** Requested items the index does not list. */
  missing: string[];
}

/**
 * Compiles the scenarios an install of `options` would enable, in installed-path order, with
 * their data files. Data files are read by `dest_file` only, as 1.4.6 does (Debian ships
 * `http_path_traversal.txt` under another name, so that scenario's `File()` list is empty there
 * too — the hub loader's source_url fallback would make it match where the reference does not).
 */
export function compileHubScenarios(source: HubSource, options: HubScenarioOptions): HubScenarios {
  const indexText = source.readHub(".index.json");
  if (indexText === null) throw new Error("hub index .index.json not found");
  const index = parseHubIndex(indexText);
  const digests = (
    JSON.parse(indexText) as {
      scenarios?: Record<string, { versions?: Record<string, { digest?: string }> }>;
    }
  ).scenarios;
  const resolved = resolveCollections(index, options.collections ?? []);
  const items = [...resolved.scenarios];
  const missing = resolved.missing.map((m) => `${m.type}:${m.name}`);
  for (const name of options.scenarios ?? []) {
    const item = index.scenarios.get(name);
    if (!item) missing.push(`scenarios:${name}`);
    else if (!items.includes(item)) items.push(item);
  }
  const data = createDataRegistry(source.readData);
  const compile = options.compilerFactory({
    strings: data.strings,
    regexps: data.regexps,
    dataVersion: data.version,
    stashes: createStashStore(),
  });
  const scenarios: CompiledScenario[] = [];
  const problems: HubScenarios["problems"] = [];
  for (const item of sortByInstalledPath(items)) {
    const path = installedPath(item);
    const content = source.readHub(item.path);
    if (content === null) {
      problems.push({ path, reason: "file not found in hub" });
      continue;
    }
    const hash =
      options.hash?.(content) ?? digests?.[item.name]?.versions?.[item.version]?.digest ?? "";
    try {
      for (const config of decodeScenarioFile(path, content)) {
        scenarios.push(
          compileScenario(config, {
            path,
            compileExpr: (text, where) => {
              try {
                return compile(text);
              } catch (error) {
                throw new Error(`${where}: ${(error as Error).message}`);
              }
            },
            loadData: (entry) => void data.load({ ...entry, source_url: "" }),
            hash,
            version: item.version,
            simulated: options.simulated?.(config.name) ?? false,
          }),
        );
      }
    } catch (error) {
      problems.push({ path, reason: (error as Error).message });
    }
  }
  return { scenarios, problems, missing };
}
