import type { Db } from "../../db/client";
import {
  getHubContents,
  getHubDataContents,
  type HubContentRow,
  listMachineHubItems,
} from "../../db/hub-registry";
import type { CompiledScenario } from "../../engine/buckets";
import type { Pipeline } from "../../engine/parser/pipeline";
import { compilePostoverflows, compileScenarioFile, scenarioNamesOf } from "./hub-compile";

/** A registered file compiled: its scenarios by name. */
export type CompiledFile = Map<string, CompiledScenario>;

/** What a machine's event may target: the file hash it announces and the content to pour with. */
export interface Targetable {
  hash: string;
  contentKey: string;
}

/** Postoverflow pipelines kept per isolate (one per distinct machine hub, most recent first). */
const MAX_PIPELINES = 32;

/** Data files of stored contents, by name, for compiling them. */
async function dataOf(db: Db, rows: readonly HubContentRow[]): Promise<Map<string, string>[]> {
  const byHash = await getHubDataContents(
    db,
    rows.flatMap((r) => Object.values(r.data)),
  );
  return rows.map(
    (r) =>
      new Map(
        Object.entries(r.data).flatMap(([name, hash]) => {
          const content = byHash.get(hash);
          return content === undefined ? [] : [[name, content] as const];
        }),
      ),
  );
}

/**
 * Compiled registry content, kept for the life of an isolate (Worker) or of an object instance
 * (bucket objects). Scenario files are keyed by their content key (file + data files), so a file
 * compiles once however many machines register it, and a new version is a new key. What a
 * machine may target and its postoverflows are read from that machine's own hub on every call
 * (small rows); postoverflow pipelines are cached by the machine hub's fingerprint.
 */
export class HubCache {
  private readonly files = new Map<string, CompiledFile>();
  private readonly names = new Map<string, string[]>();
  private readonly pipelines = new Map<string, Pipeline>();

  /** Compiled files by content key; keys the registry does not hold are absent from the result. */
  async scenarioFiles(db: Db, keys: Iterable<string>): Promise<Map<string, CompiledFile>> {
    const wanted = [...new Set(keys)];
    const missing = wanted.filter((k) => !this.files.has(k));
    if (missing.length > 0) {
      const rows = (await getHubContents(db, missing)).filter((r) => r.kind === "scenario");
      const data = await dataOf(db, rows);
      rows.forEach((row, i) => {
        const compiled = compileScenarioFile({ ...row, stage: "" }, data[i]!);
        this.files.set(row.key, new Map(compiled.map((s) => [s.name, s])));
      });
    }
    const out = new Map<string, CompiledFile>();
    for (const k of wanted) {
      const file = this.files.get(k);
      if (file) out.set(k, file);
    }
    return out;
  }

  /**
   * The scenarios `machineId` may target now: scenario name → the file hash its agent announces
   * and the content key to pour with. Reads the machine's (small) item list on every call, file
   * contents only for unseen keys.
   */
  async targetable(db: Db, machineId: string): Promise<Map<string, Targetable>> {
    const items = await listMachineHubItems(db, machineId, "scenario");
    const unseen = items.filter((i) => !this.names.has(i.contentKey)).map((i) => i.contentKey);
    if (unseen.length > 0) {
      for (const row of await getHubContents(db, unseen)) {
        this.names.set(row.key, scenarioNamesOf(row) ?? []);
      }
    }
    const out = new Map<string, Targetable>();
    for (const item of items) {
      for (const name of this.names.get(item.contentKey) ?? []) {
        out.set(name, { hash: item.hash, contentKey: item.contentKey });
      }
    }
    return out;
  }

  /**
   * Every scenario of `machineId`'s hub, compiled, with its content key (reprocess: the
   * machine's overflow events go through its own filters).
   */
  async machineScenarios(
    db: Db,
    machineId: string,
  ): Promise<{ scenario: CompiledScenario; contentKey: string }[]> {
    const keys = (await listMachineHubItems(db, machineId, "scenario")).map((i) => i.contentKey);
    const files = await this.scenarioFiles(db, keys);
    return keys.flatMap((k) =>
      [...(files.get(k)?.values() ?? [])].map((scenario) => ({ scenario, contentKey: k })),
    );
  }

  /** The postoverflow pipeline of `machineId`'s hub (null when it registered none). */
  async postoverflowPipeline(db: Db, machineId: string): Promise<Pipeline | null> {
    const items = await listMachineHubItems(db, machineId, "postoverflow");
    if (items.length === 0) return null;
    const fingerprint = items.map((i) => `${i.contentKey}:${i.stage}`).join("\n");
    const cached = this.pipelines.get(fingerprint);
    if (cached) {
      this.pipelines.delete(fingerprint);
      this.pipelines.set(fingerprint, cached);
      return cached;
    }
    const rows = await getHubContents(
      db,
      items.map((i) => i.contentKey),
    );
    const stages = new Map(items.map((i) => [i.contentKey, i.stage]));
    const data = await dataOf(db, rows);
    const merged = new Map<string, string>();
    for (const d of data) for (const [name, content] of d) merged.set(name, content);
    const { pipeline, problems } = compilePostoverflows(
      rows.map((r) => ({ ...r, stage: stages.get(r.key) ?? "" })),
      merged,
    );
    if (problems.length > 0) {
      // Registration refuses such files; a problem here means the registry was edited by hand.
      console.error(`postoverflows: ${problems.map((p) => p.reason).join("; ")}`);
    }
    this.pipelines.set(fingerprint, pipeline);
    if (this.pipelines.size > MAX_PIPELINES) {
      this.pipelines.delete(this.pipelines.keys().next().value!);
    }
    return pipeline;
  }
}
