import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import type { CompiledScenario } from "../../src/engine/buckets";
import { machineToken } from "./helpers";
import {
  alertsOf,
  compileFiles,
  HUB,
  hubFile,
  item,
  postEvents,
  postOk,
  register,
  sshFailure,
  wire,
} from "./ingest-support";

const SSH_BF = "hub/scenarios/crowdsecurity/ssh-bf.yaml";
const T0 = Date.UTC(2023, 2, 1, 10, 0, 0);

describe.skipIf(!HUB)("POST /v1/rampart/events with the Debian ssh-bf scenarios", () => {
  let token: string;
  let scenarios: CompiledScenario[];

  beforeAll(async () => {
    token = await machineToken("ingest-agent");
    const r = await register(token, {
      scenarios: [await item("crowdsecurity/ssh-bf", hubFile(SSH_BF))],
    });
    expect(r.status).toBe(200);
    scenarios = await compileFiles([{ name: "crowdsecurity/ssh-bf", content: hubFile(SSH_BF) }]);
  });

  it("raises one ssh-bf alert on the 6th failure, stored with the posting machine", async () => {
    const ip = "198.51.100.7";
    const events = wire(
      scenarios,
      Array.from({ length: 6 }, (_, i) => ({
        id: `ingest-agent/r/a/${i}`,
        time: T0 + i * 1000,
        event: sshFailure(ip, T0 + i * 1000),
      })),
    );
    const result = await postOk(token, events);
    expect(result).toMatchObject({ accepted: 6, duplicates: 0, overflows: 1 });
    expect(result.alerts).toHaveLength(1);
    const alerts = await alertsOf("crowdsecurity/ssh-bf");
    expect(alerts).toEqual([
      expect.objectContaining({
        id: Number(result.alerts[0]),
        machine_id: "ingest-agent",
        source_value: ip,
        events_count: 6,
      }),
    ]);
  });

  it("answers 409 for a scenario hash that is not registered", async () => {
    const events = wire(scenarios, [
      { id: "ingest-agent/r/b/0", time: T0, event: sshFailure("198.51.100.8", T0) },
    ]);
    const stale = events.map((e) => ({
      ...e,
      buckets: e.buckets.map((b) => ({ ...b, hash: "0".repeat(64) })),
    }));
    const r = await postEvents(token, stale);
    expect(r.status).toBe(409);
    expect(await r.json()).toEqual({
      message: `unknown scenario crowdsecurity/ssh-bf (hash ${"0".repeat(64)}): register the hub first`,
    });
    expect(env.DB).toBeDefined();
  });
});
