import type { Db } from "../../db/client";
import {
  getHubData,
  getHubItems,
  hubRegistryFingerprint,
  listHubItemHashes,
} from "../../db/hub-registry";
import type { CompiledScenario } from "../../engine/buckets";
import type { Pipeline } from "../../engine/parser/pipeline";
import {
  compilePostoverflows,
  compileScenarioFile,
  dataFilesOf,
  scenarioNamesOf,
} from "./hub-compile";

/** A registered file compiled: its scenarios by name. */
export type CompiledFile = Map<string, CompiledScenario>;

/**
 * Compiled registry content, kept for the life of an isolate (Worker) or of an object instance
 * (bucket objects). Scenario files are keyed by their sha256, so a file compiles once however
 * many agents register it, and a new version is a new key. Postoverflows are keyed by the hashes
 * of every postoverflow and data file, so any re-registration that changes them recompiles.
 */
export class HubCache {
  private readonly files = new Map<string, CompiledFile>();
  private readonly names = new Map<string, string[]>();
  private postoverflows: { key: string; pipeline: Pipeline } | null = null;

  /** Compiled files by hash; hashes the registry does not hold are absent from the result. */
  async scenarioFiles(db: Db, hashes: Iterable<string>): Promise<Map<string, CompiledFile>> {
    const wanted = [...new Set(hashes)];
    const missing = wanted.filter((h) => !this.files.has(h));
    if (missing.length > 0) {
      const rows = await getHubItems(db, "scenario", missing);
      const data = await getHubData(
        db,
        rows.flatMap((r) => dataFilesOf(r.content)),
      );
      for (const row of rows) {
        const compiled = compileScenarioFile(row, data);
        this.files.set(row.hash, new Map(compiled.map((s) => [s.name, s])));
      }
    }
    const out = new Map<string, CompiledFile>();
    for (const h of wanted) {
      const file = this.files.get(h);
      if (file) out.set(h, file);
    }
    return out;
  }

  /**
   * The scenarios agents may target now: scenario name → hash of the registered file defining
   * it. Reads the (small) name/hash list on every call, file contents only for unseen hashes.
   */
  async targetable(db: Db): Promise<Map<string, string>> {
    const items = (await listHubItemHashes(db)).filter((i) => i.kind === "scenario");
    const unseen = items.filter((i) => !this.names.has(i.hash)).map((i) => i.hash);
    if (unseen.length > 0) {
      for (const row of await getHubItems(db, "scenario", unseen)) {
        this.names.set(row.hash, scenarioNamesOf(row) ?? []);
      }
    }
    const out = new Map<string, string>();
    for (const item of items) {
      for (const name of this.names.get(item.hash) ?? []) out.set(name, item.hash);
    }
    return out;
  }

  /** Every registered scenario, compiled (reprocess: overflow events go through every filter). */
  async allScenarios(db: Db): Promise<CompiledScenario[]> {
    const hashes = (await listHubItemHashes(db))
      .filter((i) => i.kind === "scenario")
      .map((i) => i.hash);
    const files = await this.scenarioFiles(db, hashes);
    return hashes.flatMap((h) => [...(files.get(h)?.values() ?? [])]);
  }

  /** The postoverflow pipeline of the registry (null when none is registered). */
  async postoverflowPipeline(db: Db): Promise<Pipeline | null> {
    const key = await hubRegistryFingerprint(db, "postoverflow");
    if (key === null) return null;
    if (this.postoverflows?.key === key) return this.postoverflows.pipeline;
    const files = await getHubItems(db, "postoverflow");
    const data = await getHubData(
      db,
      files.flatMap((f) => dataFilesOf(f.content)),
    );
    const { pipeline, problems } = compilePostoverflows(files, data);
    if (problems.length > 0) {
      // Registration refuses such files; a problem here means the registry was edited by hand.
      console.error(`postoverflows: ${problems.map((p) => p.reason).join("; ")}`);
    }
    this.postoverflows = { key, pipeline };
    return pipeline;
  }
}
