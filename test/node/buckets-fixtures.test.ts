/**
 * Bucket cases in CrowdSec's test-case layout (`pkg/leakybucket/tests/<case>/`): each folder of
 * `test/fixtures/buckets/` holds the scenario (`scenario.yaml`) and `test.yaml` with the input
 * events (`steps`) and the overflows expected, in order. A new case is a new folder.
 *
 * `steps` entries: `evt` (one event), `repeat` (`count` events `every` duration apart from
 * `evt.time`, with `{i}` in string values replaced by the index), `gc` (run the idle collector at
 * a wall-clock time). Event fields: `time` (MarshaledTime), `meta`, `parsed`, `enriched`,
 * `mode` (`live` | `timemachine`, default timemachine) and `now` (the wall clock for LIVE).
 * Expected overflow fields are compared when present: `scenario`, `source` (first alert's source
 * value), `scope`, `events_count`, `events` (number of alert events), `start_at`, `stop_at`,
 * `message`, `leakspeed`, `capacity`, `remediation`, `sources` (all values), `dropped` (reason).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import {
  type BucketOverflow,
  compileScenario,
  createBucketManager,
  decodeScenarioFile,
} from "../../src/engine/buckets/index.js";
import { ExpectMode, PipelineEvent, stringMap } from "../../src/engine/event.js";
import { defaultCompilerFactory } from "../../src/engine/hub/expr-compiler.js";
import { createStashStore } from "../../src/engine/parser/stash.js";
import { parseGoDuration } from "../../src/shared/duration.js";

const CASES = join(import.meta.dirname, "../fixtures/buckets");

interface EventSpec {
  time?: string;
  meta?: Record<string, string>;
  parsed?: Record<string, string>;
  enriched?: Record<string, string>;
  mode?: "live" | "timemachine";
  now?: string;
}

type Step =
  | { evt: EventSpec }
  | { repeat: { count: number; every: string; evt: EventSpec } }
  | { gc: string };

interface TestFile {
  description: string;
  steps: Step[];
  overflows: Record<string, unknown>[];
}

function compileCase(dir: string) {
  const compile = defaultCompilerFactory({
    strings: {},
    regexps: {},
    dataVersion: () => 0,
    stashes: createStashStore(),
  });
  const path = join(dir, "scenario.yaml");
  return decodeScenarioFile(path, readFileSync(path, "utf8")).map((config) =>
    compileScenario(config, {
      path,
      compileExpr: (source) => compile(source),
      hash: "fixture-hash",
      version: "0.1",
    }),
  );
}

const fill = (map: Record<string, string> | undefined, i: number) =>
  Object.fromEntries(
    Object.entries(map ?? {}).map(([k, v]) => [k, String(v).replaceAll("{i}", String(i))]),
  );

function makeEvent(spec: EventSpec, i: number): { evt: PipelineEvent; now: number } {
  const evt = new PipelineEvent({
    ExpectMode: spec.mode === "live" ? ExpectMode.LIVE : ExpectMode.TIMEMACHINE,
  });
  evt.Meta = stringMap(fill(spec.meta, i));
  evt.Parsed = stringMap(fill(spec.parsed, i));
  evt.Enriched = stringMap(fill(spec.enriched, i));
  evt.MarshaledTime = spec.time ?? "";
  evt.Process = true;
  const now = spec.now ? Date.parse(spec.now) : Date.parse("2030-01-01T00:00:00Z");
  return { evt, now };
}

/** RFC 3339 text of `time + offsetMs`, written in the same zone offset as `time`. */
function shift(time: string, offsetMs: number): string {
  const zone = /(Z|[+-]\d\d:\d\d)$/.exec(time)?.[1] ?? "Z";
  const local = Date.parse(`${time.slice(0, time.length - zone.length)}Z`) + offsetMs;
  return new Date(local)
    .toISOString()
    .replace(/\.000Z$/, "Z")
    .replace(/Z$/, zone);
}

function run(dir: string): BucketOverflow[] {
  const test = parseYaml(readFileSync(join(dir, "test.yaml"), "utf8")) as TestFile;
  const manager = createBucketManager(compileCase(dir));
  const out: BucketOverflow[] = [];
  for (const step of test.steps) {
    if ("evt" in step) {
      const { evt, now } = makeEvent(step.evt, 0);
      out.push(...manager.pourEvent(evt, now).overflows);
    } else if ("repeat" in step) {
      const every = parseGoDuration(step.repeat.every);
      if (!every.ok) throw new Error(every.error);
      for (let i = 0; i < step.repeat.count; i++) {
        const spec = { ...step.repeat.evt };
        if (spec.time) spec.time = shift(spec.time, i * every.ms);
        if (spec.now) spec.now = shift(spec.now, i * every.ms);
        const { evt, now } = makeEvent(spec, i);
        out.push(...manager.pourEvent(evt, now).overflows);
      }
    } else {
      out.push(...manager.gc(Date.parse(step.gc)));
    }
  }
  return out;
}

function summarise(o: BucketOverflow): Record<string, unknown> {
  const first = o.alerts[0];
  return {
    scenario: o.scenario,
    dropped: o.dropped?.reason ?? null,
    source: first?.source.value ?? null,
    scope: first?.source.scope ?? null,
    sources: Object.keys(o.sources).sort(),
    events_count: first?.events_count,
    events: first?.events.length,
    start_at: first?.start_at,
    stop_at: first?.stop_at,
    message: first?.message,
    leakspeed: first?.leakspeed,
    capacity: first?.capacity,
    remediation: first?.remediation,
  };
}

const caseDirs = readdirSync(CASES, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();

describe("bucket fixture cases", () => {
  it("covers every bucket type and the leak-timing, distinct and blackhole edges", () => {
    const types = new Set(
      caseDirs.flatMap((name) => compileCase(join(CASES, name)).map((s) => s.type)),
    );
    expect([...types].sort()).toEqual(["bayesian", "conditional", "counter", "leaky", "trigger"]);
    expect(caseDirs.length).toBeGreaterThanOrEqual(15);
  });

  for (const name of caseDirs) {
    const dir = join(CASES, name);
    const test = parseYaml(readFileSync(join(dir, "test.yaml"), "utf8")) as TestFile;
    it(`${name}: ${test.description}`, () => {
      const got = run(dir).map(summarise);
      expect(got.length, JSON.stringify(got, null, 1)).toBe(test.overflows.length);
      test.overflows.forEach((want, i) => {
        const picked = Object.fromEntries(Object.keys(want).map((k) => [k, got[i]![k]]));
        expect(picked, `overflow #${i + 1}`).toEqual(want);
      });
    });
  }
});
