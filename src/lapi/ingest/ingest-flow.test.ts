import { describe, expect, it } from "vitest";
import { snapshotEvent } from "../../engine/buckets/queued-event";
import { ExpectMode, newLogEvent } from "../../engine/event";
import { compileScenarioFile } from "./hub-compile";
import { mapBounded, routeEvents, targetsOf } from "./ingest-flow";

const SCENARIOS = `type: leaky
name: t/by-ip
description: "x"
filter: "evt.Meta.log_type == 'fail'"
groupby: evt.Meta.source_ip
capacity: 2
leakspeed: 10s
---
type: trigger
name: t/by-user
description: "x"
filter: "evt.Meta.log_type == 'fail'"
groupby: evt.Meta.user
`;

function event(ip: string, user: string, type = "fail") {
  const evt = newLogEvent({ Raw: "x" }, ExpectMode.TIMEMACHINE);
  Object.assign(evt.Meta, { log_type: type, source_ip: ip, user });
  return snapshotEvent(evt);
}

describe("routeEvents", () => {
  const targets = (ip: string, user: string) => [
    { scenario: "t/by-ip", contentKey: "h", group: ip },
    { scenario: "t/by-user", contentKey: "h", group: user },
  ];
  const events = [
    { id: "e0", time: 0, event: event("192.0.2.1", "root"), buckets: targets("192.0.2.1", "root") },
    { id: "e1", time: 1, event: event("192.0.2.2", "root"), buckets: targets("192.0.2.2", "root") },
  ];

  it("sends each object the events of its partitions, in batch order", () => {
    const routed = routeEvents(events, "m1", new Map(), 0);
    const byIp1 = routed.requests.get("key:t%2Fby-ip%00192.0.2.1%00h")!;
    expect(byIp1.events.map((e) => e.id)).toEqual(["e0"]);
    const byRoot = routed.requests.get("key:t%2Fby-user%00root%00h")!;
    expect(byRoot.events.map((e) => e.id)).toEqual(["e0", "e1"]);
    expect(routed.origin.get("key:t%2Fby-user%00root%00h")).toEqual([0, 1]);
    expect(routed.requests.size).toBe(3);
  });

  it("gives one object one entry per event, with all its targets there", () => {
    const routed = routeEvents(events, "m1", new Map(), 1);
    expect(routed.requests.size).toBe(1);
    const only = [...routed.requests.values()][0]!;
    expect(only.events.map((e) => e.targets.length)).toEqual([2, 2]);
  });

  it("keys per-machine scenarios with the machine", () => {
    const routed = routeEvents(events, "m7", new Map([["t/by-ip", "machine" as const]]), 1);
    const keys = [...routed.requests.values()][0]!.events[0]!.targets.map((t) => t.key);
    expect(keys).toEqual(["t/by-ip\u0000192.0.2.1\u0000h\u0000m7", "t/by-user\u0000root\u0000h"]);
  });
});

describe("targetsOf", () => {
  const scenarios = compileScenarioFile(
    { name: "t/file", hash: "f".repeat(64), version: "", content: SCENARIOS, stage: "" },
    new Map(),
  ).map((scenario) => ({ scenario, contentKey: "k" }));

  it("runs every filter and groupby like the agent", () => {
    expect(targetsOf(scenarios, event("192.0.2.9", "admin"))).toEqual([
      { scenario: "t/by-ip", contentKey: "k", group: "192.0.2.9" },
      { scenario: "t/by-user", contentKey: "k", group: "admin" },
    ]);
    expect(targetsOf(scenarios, event("192.0.2.9", "admin", "ok"))).toEqual([]);
  });
});

describe("mapBounded", () => {
  it("never runs more than the limit at once and keeps result order", async () => {
    let running = 0;
    let peak = 0;
    const out = await mapBounded([5, 1, 4, 2, 3], 2, async (n) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, n));
      running--;
      return n * 10;
    });
    expect(out).toEqual([50, 10, 40, 20, 30]);
    expect(peak).toBe(2);
  });
});
