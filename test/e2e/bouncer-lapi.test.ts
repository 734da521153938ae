/**
 * Issue #6 acceptance, end to end: a LAPI (Rampart under wrangler dev, and the real CrowdSec 1.4.6
 * LAPI to prove compatibility), the bouncer Worker under wrangler dev in front of a local origin,
 * and the real `cscli` adding and deleting decisions. Prints the decision-to-enforcement delay
 * (goal ≤ 2 s); timings are printed, never asserted.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { crowdsecInstall, shouldSkipWithoutOracle } from "../oracle/crowdsec-config.js";
import { type Cscli, createCscli } from "../oracle/cscli.js";
import type { LapiTarget } from "../oracle/lapi-target.js";
import { waitFor } from "../oracle/processes.js";
import { startRampartDev } from "../oracle/rampart-dev.js";
import { startRealLapi } from "../oracle/real-lapi.js";
import {
  type BouncerDev,
  type LocalServer,
  startBouncerDev,
  startOrigin,
  startSiteverify,
} from "./bouncer-stack.js";

const install = crowdsecInstall();
const skip = shouldSkipWithoutOracle(install, "bouncer e2e tests");
const MACHINE = "e2e-edge-feeder";
const PASSWORD = "e2e-edge-feeder-password";

const targets: [string, () => Promise<LapiTarget>][] = [
  ["Rampart", () => startRampartDev()],
  ["the real CrowdSec 1.4.6 LAPI", () => startRealLapi()],
];

/** Polls the bouncer as `ip` until `accept(status)`; returns the elapsed ms. */
async function until(
  bouncer: BouncerDev,
  ip: string,
  accept: (status: number) => boolean,
  what: string,
) {
  const start = performance.now();
  await waitFor(
    what,
    async () => {
      const res = await bouncer.visit("/", ip);
      await res.arrayBuffer();
      return accept(res.status);
    },
    { timeoutMs: 30_000, intervalMs: 50, diagnostics: () => bouncer.logs().slice(-3000) },
  );
  return performance.now() - start;
}

describe.skipIf(skip).each(targets)("edge bouncer with %s", (name, start) => {
  let target: LapiTarget;
  let cscli: Cscli;
  let origin: LocalServer & { hits: () => number };
  let siteverify: LocalServer;
  let bouncer: BouncerDev;

  beforeAll(async () => {
    target = await start();
    await target.addMachine(MACHINE, PASSWORD);
    cscli = createCscli({
      install,
      credentials: { url: target.url, login: MACHINE, password: PASSWORD },
    });
    const lapiKey = await target.addBouncer("e2e-edge-bouncer");
    origin = await startOrigin();
    siteverify = await startSiteverify();
    bouncer = await startBouncerDev({
      lapiUrl: target.url,
      lapiKey,
      originUrl: origin.url,
      siteverifyUrl: siteverify.url,
    });
    // The first request loads the snapshot (the startup pull happens behind it).
    await until(bouncer, "192.0.2.1", (s) => s === 200, "the first pass-through");
  });

  afterAll(async () => {
    await bouncer?.stop();
    await siteverify?.close();
    await origin?.close();
    cscli?.cleanup();
    await target?.stop();
  });

  it("blocks an IP banned with cscli and lets it through again once the decision is deleted", async () => {
    const ip = "203.0.113.44";
    const before = await bouncer.visit("/", ip);
    expect(before.status).toBe(200);
    expect(await before.text()).toContain("Welcome to the origin");

    const issued = performance.now();
    await cscli.mustRun(["decisions", "add", "-i", ip, "-d", "1h"]);
    const committed = performance.now();
    const enforce = await until(bouncer, ip, (s) => s === 403, `a 403 for ${ip}`);
    const blocked = await bouncer.visit("/", ip);
    expect(blocked.status).toBe(403);
    expect(await blocked.text()).toContain("Access denied");

    const deleting = performance.now();
    await cscli.mustRun(["decisions", "delete", "-i", ip]);
    const deleted = performance.now();
    const lift = await until(bouncer, ip, (s) => s === 200, `a 200 for ${ip} again`);
    console.log(
      `[bouncer e2e, ${name}] decision → enforcement: ${enforce.toFixed(0)} ms after cscli returned ` +
        `(${(committed - issued + enforce).toFixed(0)} ms including cscli itself); ` +
        `delete → lifted: ${lift.toFixed(0)} ms after cscli returned (${(deleted - deleting + lift).toFixed(0)} ms incl. cscli)`,
    );
  });

  it("enforces IPv4 ranges, IPv6 addresses and captcha decisions from cscli", async () => {
    await cscli.mustRun(["decisions", "add", "-r", "198.51.100.0/24"]);
    await cscli.mustRun(["decisions", "add", "-i", "2001:db8::bad"]);
    await cscli.mustRun(["decisions", "add", "-r", "2001:db8:77::/48"]);
    await cscli.mustRun(["decisions", "add", "-i", "192.0.2.77", "-t", "captcha"]);
    await until(bouncer, "192.0.2.77", (s) => s === 403, "the captcha decision");
    for (const ip of ["198.51.100.1", "198.51.100.254", "2001:db8::bad", "2001:db8:77:1::5"]) {
      await until(bouncer, ip, (s) => s === 403, `a 403 for ${ip}`);
      const res = await bouncer.visit("/", ip);
      expect(res.headers.get("X-Rampart-Remediation"), ip).toBe("ban");
    }
    const challenge = await bouncer.visit("/private", "192.0.2.77");
    expect(challenge.headers.get("X-Rampart-Remediation")).toBe("captcha");
    expect(await challenge.text()).toContain('name="return_to" value="/private"');
    expect((await bouncer.visit("/", "198.51.101.1")).status).toBe(200);
    expect((await bouncer.visit("/", "2001:db8::bae")).status).toBe(200);
  });

  it("reports its counters to LAPI usage-metrics (404 from 1.4.6, which predates the endpoint)", async () => {
    const res = await fetch(`${bouncer.url}.rampart/usage-metrics`, {
      method: "POST",
      headers: { Authorization: `Bearer ${bouncer.controlToken}` },
    });
    const body = (await res.json()) as { lapiStatus: number };
    expect(body.lapiStatus).toBe(target.kind === "rampart" ? 201 : 404);
    const status = await bouncer.status();
    expect(status.store.lastError).toBeNull();
    expect(Number(status.store.decisions)).toBe(4);
  });
});
