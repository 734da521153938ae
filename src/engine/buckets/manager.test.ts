import { describe, expect, it } from "vitest";
import { ExpectMode, PipelineEvent, stringMap } from "../event.js";
import { createBucketManager, overflowEvent } from "./manager.js";
import { replayEvent, scenariosOf } from "./test-support.js";

const SSH = `type: leaky
name: t/ssh
description: d
filter: "evt.Meta.log_type == 'fail'"
groupby: evt.Meta.source_ip
capacity: 2
leakspeed: 10s
reprocess: true
labels:
  remediation: true
`;

const RANGE = `type: leaky
name: t/range
description: d
filter: "evt.GetType() == 'overflow' && evt.Overflow.Alert.Remediation == true"
groupby: evt.Overflow.Alert.Source.Range
distinct: evt.Overflow.Alert.Source.IP
capacity: 1
leakspeed: 1m
scope:
  type: Range
`;

const fail = (time: string, ip: string, extra: Record<string, string> = {}) =>
  replayEvent(time, { log_type: "fail", source_ip: ip, ...extra });

describe("bucket manager", () => {
  it("keeps one instance per scenario and groupby value and drops it on overflow", () => {
    const manager = createBucketManager(scenariosOf(SSH));
    manager.pourEvent(fail("2022-01-01T00:00:00Z", "1.1.1.1"));
    manager.pourEvent(fail("2022-01-01T00:00:00Z", "2.2.2.2"));
    expect(manager.size).toBe(2);
    manager.pourEvent(fail("2022-01-01T00:00:00Z", "1.1.1.1"));
    const result = manager.pourEvent(fail("2022-01-01T00:00:00Z", "1.1.1.1"));
    expect(result.overflows.map((o) => o.alerts[0]?.source.value)).toEqual(["1.1.1.1"]);
    expect(manager.size).toBe(1);
  });

  it("resumes from a JSON snapshot exactly where it stopped (state is plain data)", () => {
    const scenarios = scenariosOf(SSH);
    const first = createBucketManager(scenarios);
    first.pourEvent(fail("2022-01-01T00:00:00Z", "1.1.1.1"));
    first.pourEvent(fail("2022-01-01T00:00:01Z", "1.1.1.1"));
    const restored = createBucketManager(scenarios, {
      restore: JSON.parse(JSON.stringify(first.snapshot())),
    });
    const result = restored.pourEvent(fail("2022-01-01T00:00:02Z", "1.1.1.1"));
    expect(result.overflows).toHaveLength(1);
    expect(result.overflows[0]!.alerts[0]).toMatchObject({
      events_count: 3,
      start_at: "2022-01-01T00:00:00Z",
      stop_at: "2022-01-01T00:00:02Z",
    });
  });

  it("collects replay instances idle past their lifetime at the latest event time", () => {
    const manager = createBucketManager(scenariosOf(SSH));
    manager.pourEvent(fail("2022-01-01T00:00:00Z", "1.1.1.1"));
    manager.pourEvent(fail("2022-01-01T00:00:20Z", "2.2.2.2"));
    expect(manager.gc()).toEqual([]);
    expect(manager.size).toBe(2);
    // lifetime (2+1)×10s = 30 s: 1.1.1.1 is idle once events reach 00:00:31
    manager.pourEvent(fail("2022-01-01T00:00:31Z", "3.3.3.3"));
    manager.gc();
    expect(
      manager
        .snapshot()
        .buckets.map((b) => b.key.split("\u0000")[1])
        .sort(),
    ).toEqual(["2.2.2.2", "3.3.3.3"]);
  });

  it("stops routing an event at a filter that fails at run time", () => {
    const manager = createBucketManager(
      scenariosOf(`type: trigger\nname: t/bad\ndescription: d\nfilter: "evt.Meta.x"\n`),
    );
    const result = manager.pourEvent(fail("2022-01-01T00:00:00Z", "1.1.1.1"));
    expect(result.error).toContain("t/bad");
    expect(result.poured).toBe(0);
  });

  it("re-pours a reprocessed overflow as an OVFLW event, re-scoped to its range", () => {
    const manager = createBucketManager(scenariosOf(`${SSH}---\n${RANGE}`));
    const ranges: string[] = [];
    for (const ip of ["1.2.3.4", "1.2.3.5"]) {
      for (let i = 0; i < 3; i++) {
        const evt = fail("2022-01-01T00:00:00Z", ip, { SourceRange: "1.2.3.0/24" });
        for (const overflow of manager.pourEvent(evt).overflows) {
          expect(overflow.reprocess).toBe(true);
          const again = manager.pourEvent(overflowEvent(overflow), Date.UTC(2022, 0, 1));
          for (const o of again.overflows) ranges.push(...o.alerts.map((a) => a.source.value));
        }
      }
    }
    expect(ranges).toEqual(["1.2.3.0/24"]);
  });

  it("emits a LIVE counter's timed overflow when collected after its duration", () => {
    const manager = createBucketManager(
      scenariosOf(
        `type: counter\nname: t/count\ndescription: d\nfilter: "true"\ngroupby: evt.Meta.source_ip\ncapacity: -1\nduration: 10s\n`,
      ),
    );
    const evt = new PipelineEvent({ ExpectMode: ExpectMode.LIVE });
    evt.Meta = stringMap({ source_ip: "5.5.5.5" });
    const t0 = Date.UTC(2022, 0, 1);
    manager.pourEvent(evt, t0);
    manager.pourEvent(evt, t0 + 5000);
    expect(manager.gc(t0 + 10_000)).toEqual([]);
    const [timed] = manager.gc(t0 + 10_001);
    expect(timed?.alerts[0]).toMatchObject({
      events_count: 2,
      stop_at: "2022-01-01T00:00:10.001Z",
    });
    expect(manager.size).toBe(0);
  });
});
