/**
 * Differential parity of the bucket engine against CrowdSec 1.4.6 (issue #4 acceptance, engine
 * part). The attack logs of `test/fixtures/attack-logs.ts` are replayed by the reference with the
 * Debian default collections; Rampart runs the same lines through the hub parser pipeline and the
 * in-process bucket core of `rampart-agent --local` (bucket manager + postoverflows). The sets of
 * (scenario, source) alerts must be equal, or each difference listed in `ALLOWED` with its reason;
 * then every alert is compared field by field.
 */
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { debianDirectories, hubSourceFromDirectories } from "../../agent/hub/hub-fs.js";
import { createLocalBuckets } from "../../agent/replay/local-buckets.js";
import type { CompiledScenario } from "../../src/engine/buckets/index.js";
import { ExpectMode, newLogEvent } from "../../src/engine/event.js";
import { compilerFactoryFor } from "../../src/engine/hub/expr-compiler.js";
import { type LoadedHub, loadHub, readHubIndex } from "../../src/engine/hub/hub-loader.js";
import { acquiredLines, PARITY_LOGS } from "../fixtures/attack-logs.js";
import {
  type AlertProjection,
  pairOf,
  projectAlert,
  referenceAlerts,
} from "../oracle/alert-projection.js";
import { oracleFor } from "../oracle/crowdsec-config.js";
import {
  CROWDSEC_ROOT,
  DEFAULT_COLLECTIONS,
  DEFAULT_EXTRA_PARSERS,
  runCrowdsecDump,
} from "../oracle/crowdsec-dump.js";

/** `scenario source` pairs allowed to differ, with the reason. None so far. */
const ALLOWED: { pair: string; reason: string }[] = [];

const debianSource = hubSourceFromDirectories(debianDirectories(CROWDSEC_ROOT));

/** The scenarios of the default collections from the Debian hub, hashed like 1.4.6. */
function loadScenarios(): CompiledScenario[] {
  const result = loadHub(debianSource, readHubIndex(debianSource), {
    selection: { collections: DEFAULT_COLLECTIONS },
    compilerFactory: compilerFactoryFor("crowdsec-1.4"),
    hash: (content) => createHash("sha256").update(content).digest("hex"),
  });
  expect(result.report.items.flatMap((item) => item.problems)).toEqual([]);
  expect(result.report.missing).toEqual([]);
  return result.scenarios;
}

/** Our side: parser pipeline → local buckets (manager + postoverflows), 1.4.6's replay flow. */
function ourAlerts(
  hub: LoadedHub,
  scenarios: CompiledScenario[],
  lines: string[],
  type: string,
): AlertProjection[] {
  const buckets = createLocalBuckets({ scenarios, postoverflows: hub.postoverflows });
  const alerts: AlertProjection[] = [];
  for (const raw of lines) {
    const evt = newLogEvent(
      { Raw: raw, Src: "/var/log/test.log", Module: "file", Labels: { type }, Process: true },
      ExpectMode.TIMEMACHINE,
    );
    const parsed = hub.parsers.parse(evt);
    if (!parsed.process || evt.Whitelisted) continue;
    alerts.push(...buckets.pour(evt).map(projectAlert));
  }
  return alerts;
}

const available = !oracleFor("bucket engine vs CrowdSec 1.4.6").skip;

describe.skipIf(!available)("bucket engine vs CrowdSec 1.4.6 on replayed attack logs", () => {
  let hub: LoadedHub;
  let scenarios: CompiledScenario[];
  let dir: string;

  beforeAll(() => {
    hub = loadHub(debianSource, readHubIndex(debianSource), {
      selection: { collections: DEFAULT_COLLECTIONS, parsers: DEFAULT_EXTRA_PARSERS },
      includeScenarios: false,
      compilerFactory: compilerFactoryFor("crowdsec-1.4"),
    });
    scenarios = loadScenarios();
    dir = mkdtempSync(join(tmpdir(), "rampart-buckets-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("compiles every scenario of the default collections", () => {
    expect(scenarios.length).toBeGreaterThanOrEqual(40);
    expect(new Set(scenarios.map((s) => s.type))).toEqual(new Set(["leaky", "trigger"]));
  });

  for (const log of PARITY_LOGS) {
    it(`raises the same (scenario, source) alerts as the reference on ${log.file}`, async () => {
      const path = join(dir, log.file);
      const text = log.make();
      writeFileSync(path, text);
      const oracle = await runCrowdsecDump({ logFile: path, type: log.type });
      const lines = acquiredLines(text);
      const theirAll = referenceAlerts(oracle.bucketDump);
      const ourAll = ourAlerts(hub, scenarios, lines, log.type);
      const theirs = new Set(theirAll.map(pairOf));
      const ours = new Set(ourAll.map(pairOf));
      const allowed = new Set(ALLOWED.map((a) => a.pair));
      const onlyOurs = [...ours].filter((p) => !theirs.has(p) && !allowed.has(p)).sort();
      const onlyTheirs = [...theirs].filter((p) => !ours.has(p) && !allowed.has(p)).sort();
      console.log(
        `${log.file}: ${lines.length} lines, ${theirAll.length} reference alerts (${theirs.size} pairs), ${ourAll.length} ours`,
      );
      expect({ onlyOurs, onlyTheirs }).toEqual({ onlyOurs: [], onlyTheirs: [] });
      expect(theirs.size).toBeGreaterThanOrEqual(log.minAlerts);
      // Every alert, field by field (counts, times, message, hash), as a sorted multiset.
      const sorted = (list: AlertProjection[]) =>
        list
          .filter((p) => !allowed.has(pairOf(p)))
          .map((p) => JSON.stringify(p))
          .sort();
      expect(sorted(ourAll)).toEqual(sorted(theirAll));
    });
  }
});
