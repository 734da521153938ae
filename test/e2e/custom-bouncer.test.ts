/**
 * Issue #2 acceptance: the real `crowdsec-custom-bouncer` 0.0.15 (stream mode, 1 s polls) gets
 * every decision added with the real cscli, and every deletion, on its next poll. Runs against
 * the real CrowdSec 1.4.6 LAPI (proving the test itself) and against Rampart under wrangler dev.
 *
 * "Within one poll interval" is checked in poll cycles, not wall-clock time: once the change is
 * committed, the bouncer must have applied it by the end of the first poll that *started* after
 * it, i.e. before its second completed poll from that moment.
 */
import { writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { crowdsecInstall, shouldSkipWithoutOracle } from "../oracle/crowdsec-config.js";
import { type Cscli, createCscli } from "../oracle/cscli.js";
import {
  type BouncerCall,
  type CustomBouncer,
  startCustomBouncer,
} from "../oracle/custom-bouncer.js";
import type { LapiTarget } from "../oracle/lapi-target.js";
import { waitFor } from "../oracle/processes.js";
import { startRampartDev } from "../oracle/rampart-dev.js";
import { startRealLapi } from "../oracle/real-lapi.js";

const install = crowdsecInstall();
const skip = shouldSkipWithoutOracle(install, "crowdsec-custom-bouncer e2e tests");
const MACHINE = "e2e-bouncer-feeder";
const PASSWORD = "e2e-bouncer-feeder-password";

/** Completed polls so far: the bouncer logs "adding 'N' decisions" once per successful poll. */
function completedPolls(bouncer: CustomBouncer): number {
  return bouncer.process.output().match(/adding '\d+' decisions/g)?.length ?? 0;
}

/** Resolves once the bouncer has completed two more polls than now (see file comment). */
async function nextPollDone(bouncer: CustomBouncer, target: LapiTarget) {
  const start = completedPolls(bouncer);
  await waitFor("two more bouncer polls", () => completedPolls(bouncer) >= start + 2, {
    timeoutMs: 30_000,
    diagnostics: () =>
      `--- bouncer\n${bouncer.process.output().slice(-3000)}\n--- lapi\n${target.logs().slice(-3000)}`,
  });
}

function callsFor(calls: BouncerCall[], action: BouncerCall["action"], value: string) {
  return calls.filter((c) => c.action === action && c.value === value);
}

const targets: [string, () => Promise<LapiTarget>][] = [
  ["the real CrowdSec 1.4.6 LAPI", () => startRealLapi()],
  ["Rampart", () => startRampartDev()],
];

describe.skipIf(skip).each(targets)("crowdsec-custom-bouncer 0.0.15 against %s", (_name, start) => {
  let target: LapiTarget;
  let cscli: Cscli;
  let bouncer: CustomBouncer;

  beforeAll(async () => {
    target = await start();
    await target.addMachine(MACHINE, PASSWORD);
    cscli = createCscli({
      install,
      credentials: { url: target.url, login: MACHINE, password: PASSWORD },
    });
    const apiKey = await target.addBouncer("e2e-custom-bouncer");
    bouncer = startCustomBouncer({ apiUrl: target.url, apiKey, updateFrequency: "1s", install });
    // The startup pull (`startup=true`) is the first completed poll.
    await waitFor("the bouncer's startup poll", () => completedPolls(bouncer) >= 1, {
      timeoutMs: 30_000,
      diagnostics: () => bouncer.process.output(),
    });
  });

  afterAll(async () => {
    await bouncer?.stop();
    cscli?.cleanup();
    await target?.stop();
  });

  const added = [
    { args: ["-i", "192.0.2.10"], value: "192.0.2.10", scope: "Ip", type: "ban" },
    {
      args: ["-r", "198.51.100.0/24", "-t", "captcha"],
      value: "198.51.100.0/24",
      scope: "Range",
      type: "captcha",
    },
    { args: ["-i", "2001:db8::10", "-d", "1h"], value: "2001:db8::10", scope: "Ip", type: "ban" },
    { args: ["-r", "2001:db8:2::/48"], value: "2001:db8:2::/48", scope: "Range", type: "ban" },
  ];

  it("runs the script with 'add' for every decision added with cscli, on the next poll", async () => {
    for (const d of added) await cscli.mustRun(["decisions", "add", ...d.args]);
    await nextPollDone(bouncer, target);
    const calls = bouncer.calls();
    for (const d of added) {
      const adds = callsFor(calls, "add", d.value);
      expect(adds.length, `add ${d.value}`).toBeGreaterThanOrEqual(1);
      expect(adds[0]!.decision).toMatchObject({
        value: d.value,
        scope: d.scope,
        type: d.type,
        origin: "cscli",
      });
      // The bouncer passes the remaining time in whole seconds; never 0 (= permanent) or negative.
      expect(Number(adds[0]!.duration)).toBeGreaterThan(0);
    }
    expect(callsFor(calls, "del", "192.0.2.10")).toHaveLength(0);
  });

  it("does not get unchanged decisions again on later polls", async () => {
    await nextPollDone(bouncer, target);
    await nextPollDone(bouncer, target);
    const calls = bouncer.calls();
    for (const d of added) {
      // A row inserted during a poll may come twice (CrowdSec sets `last_pull` to the poll's
      // start), not more.
      expect(callsFor(calls, "add", d.value).length, `adds of ${d.value}`).toBeLessThanOrEqual(2);
    }
  });

  it("runs the script with 'del' for every decision deleted with cscli, on the next poll", async () => {
    await cscli.mustRun(["decisions", "delete", "-i", "192.0.2.10"]);
    await cscli.mustRun(["decisions", "delete", "-r", "198.51.100.0/24"]);
    await cscli.mustRun(["decisions", "delete", "-r", "2001:db8::/32", "--contained"]);
    await nextPollDone(bouncer, target);
    const calls = bouncer.calls();
    for (const d of added) {
      const dels = callsFor(calls, "del", d.value);
      expect(dels.length, `del ${d.value}`).toBeGreaterThanOrEqual(1);
      expect(dels[0]!.decision).toMatchObject({ value: d.value, scope: d.scope, type: d.type });
    }
  });

  it("gets every decision of a 500-line import and of its deletion, on the next poll", async () => {
    const values = Array.from({ length: 500 }, (_, i) => `100.70.${i >> 8}.${i & 255}`);
    const csv = `duration,scope,value,type\n${values.map((v) => `2h,ip,${v},ban`).join("\n")}\n`;
    const file = `${cscli.dir}/bouncer-import.csv`;
    writeFileSync(file, csv);
    await cscli.mustRun(["decisions", "import", "-i", file]);
    await nextPollDone(bouncer, target);
    let calls = bouncer.calls();
    const missingAdds = values.filter((v) => callsFor(calls, "add", v).length === 0);
    expect(missingAdds).toEqual([]);

    await cscli.mustRun(["decisions", "delete", "--all"]);
    await nextPollDone(bouncer, target);
    calls = bouncer.calls();
    const missingDels = values.filter((v) => callsFor(calls, "del", v).length === 0);
    expect(missingDels).toEqual([]);
  });
});
