import { describe, expect, it } from "vitest";
import { createRouter, routeEvent } from "./routing.js";
import { replayEvent, scenariosOf } from "./test-support.js";

const SCENARIOS = `type: leaky
name: t/by-ip
description: d
filter: "evt.Meta.log_type == 'fail'"
groupby: evt.Meta.source_ip
capacity: 2
leakspeed: 10s
---
type: trigger
name: t/any
description: d
filter: "evt.Meta.log_type != ''"
---
type: trigger
name: t/broken-groupby
description: d
filter: "evt.Meta.log_type == 'odd'"
groupby: len(evt.Meta.source_ip)
---
type: trigger
name: t/after
description: d
filter: "true"
`;

describe("routeEvent", () => {
  const scenarios = scenariosOf(SCENARIOS);
  const at = "2022-01-01T00:00:00Z";

  it("routes to every accepting scenario in order with its groupby value", () => {
    const { routes, error } = routeEvent(
      scenarios,
      replayEvent(at, { log_type: "fail", source_ip: "1.2.3.4" }),
    );
    expect(error).toBeNull();
    expect(routes.map((r) => [r.scenario.name, r.group])).toEqual([
      ["t/by-ip", "1.2.3.4"],
      ["t/any", ""],
      ["t/after", ""],
    ]);
  });

  it("stops at a groupby that is not a string and keeps the routes before it, like 1.4.6", () => {
    const { routes, error } = routeEvent(
      scenarios,
      replayEvent(at, { log_type: "odd", source_ip: "1.2.3.4" }),
    );
    expect(error).toBe("groupby of t/broken-groupby didn't return a string");
    expect(routes.map((r) => r.scenario.name)).toEqual(["t/any"]);
  });
});

describe("createRouter", () => {
  const scenarios = scenariosOf(SCENARIOS);
  const route = createRouter(scenarios);
  const at = "2022-01-01T00:00:00Z";
  const summary = ({ routes, error }: ReturnType<typeof routeEvent>) => ({
    error,
    routes: routes.map((r) => [r.scenario.name, r.group]),
  });

  it("gives routeEvent's routes and errors while skipping filters that reject on the guard", () => {
    const metas: Record<string, string>[] = [
      { log_type: "fail", source_ip: "1.2.3.4" },
      { log_type: "odd", source_ip: "1.2.3.4" },
      { log_type: "other" },
      {},
    ];
    for (const meta of metas) {
      const evt = replayEvent(at, meta);
      expect(summary(route(evt)), JSON.stringify(meta)).toEqual(
        summary(routeEvent(scenarios, evt)),
      );
    }
  });
});
