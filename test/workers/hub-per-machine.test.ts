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

/**
 * Issue 12, hole 3: the hub registry was deployment-wide with the last writer winning. A
 * machine's registration must change only what that machine's events go through, and machines
 * share a bucket only when they run the same scenario content.
 */

const SSH_BF = "hub/scenarios/crowdsecurity/ssh-bf.yaml";
const T0 = Date.UTC(2023, 4, 1, 10, 0, 0);

/** A postoverflow that whitelists every overflow: what an attacker's machine registers. */
const WHITELIST_ALL = `name: evil/whitelist-all
description: "whitelist every overflow"
whitelist:
  reason: "silence everyone"
  expression:
    - "true"
`;

function failures(machine: string, tag: string, ip: string, n: number, start = T0) {
  return Array.from({ length: n }, (_, i) => ({
    id: `${machine}/${tag}/${i}`,
    time: start + i * 1000,
    event: sshFailure(ip, start + i * 1000),
  }));
}

async function sshAlerts(ip: string) {
  return (await alertsOf("crowdsecurity/ssh-bf")).filter((a) => a.source_value === ip);
}

describe.skipIf(!HUB)("per-machine hub registry (issue 12, hole 3)", () => {
  let honest: string;
  let attacker: string;
  let scenarios: CompiledScenario[];
  let variant: CompiledScenario[];
  /** ssh-bf with one comment line more: other content under the same scenario names. */
  let variantContent: string;

  beforeAll(async () => {
    [honest, attacker] = await Promise.all([
      machineToken("hub-honest"),
      machineToken("hub-attacker"),
    ]);
    const content = hubFile(SSH_BF);
    variantContent = `${content}\n# another version\n`;
    const r = await register(honest, { scenarios: [await item("crowdsecurity/ssh-bf", content)] });
    expect(r.status).toBe(200);
    scenarios = await compileFiles([{ name: "crowdsecurity/ssh-bf", content }]);
    variant = await compileFiles([{ name: "crowdsecurity/ssh-bf", content: variantContent }]);
  });

  it("does not let another machine's postoverflow whitelist `true` silence this machine's alerts", async () => {
    const r = await register(attacker, {
      scenarios: [await item("crowdsecurity/ssh-bf", hubFile(SSH_BF))],
      postoverflows: [await item("evil/whitelist-all", WHITELIST_ALL, { stage: "s01-whitelist" })],
    });
    expect(r.status).toBe(200);
    // The whitelist works on the attacker's own overflows…
    const own = await postOk(
      attacker,
      wire(scenarios, failures("hub-attacker", "wl", "198.51.100.70", 6)),
    );
    expect(own).toMatchObject({ overflows: 1, alerts: [] });
    expect(await sshAlerts("198.51.100.70")).toEqual([]);
    // …and on nobody else's.
    const mine = await postOk(
      honest,
      wire(scenarios, failures("hub-honest", "wl", "198.51.100.71", 6)),
    );
    expect(mine.overflows).toBe(1);
    expect(mine.alerts).toHaveLength(1);
    expect(await sshAlerts("198.51.100.71")).toEqual([
      expect.objectContaining({ machine_id: "hub-honest", events_count: 6 }),
    ]);
  });

  it("does not 409 other machines when one re-registers a scenario name with other content", async () => {
    const r = await register(attacker, {
      scenarios: [await item("crowdsecurity/ssh-bf", variantContent)],
    });
    expect(r.status).toBe(200);
    const mine = await postEvents(
      honest,
      wire(scenarios, failures("hub-honest", "409", "198.51.100.72", 6)),
    );
    expect(mine.status).toBe(200);
    expect(await mine.json()).toMatchObject({ accepted: 6, overflows: 1 });
    // The attacker now pours with its own version, and only that one.
    const theirs = await postEvents(
      attacker,
      wire(variant, failures("hub-attacker", "409", "198.51.100.73", 1)),
    );
    expect(theirs.status).toBe(200);
    const stale = await postEvents(
      attacker,
      wire(scenarios, failures("hub-attacker", "409-old", "198.51.100.73", 1)),
    );
    expect(stale.status).toBe(409);
  });

  it("shares a bucket only between machines running the same scenario content", async () => {
    // Same source, 3 failures from each machine: one bucket would overflow at the 6th.
    const ip = "198.51.100.74";
    const a = await postOk(honest, wire(scenarios, failures("hub-honest", "apart", ip, 3)));
    const b = await postOk(
      attacker,
      wire(variant, failures("hub-attacker", "apart", ip, 3, T0 + 3000)),
    );
    expect([a.overflows, b.overflows]).toEqual([0, 0]);
    expect(await sshAlerts(ip)).toEqual([]);
  });
});
