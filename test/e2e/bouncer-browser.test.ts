/**
 * Issue #6 acceptance in a real browser: Debian's chromium driven by playwright-core loads the
 * ban page and completes the captcha flow against the local stack (Rampart LAPI + bouncer +
 * origin under wrangler dev). Turnstile's script cannot load offline, so the bouncer runs in
 * DEV_MODE and serves its local stand-in widget; siteverify is simulated (bouncer-stack.ts).
 * Screenshots go to test-artifacts/ (git-ignored).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { crowdsecInstall, repoRoot, shouldSkipWithoutOracle } from "../oracle/crowdsec-config.js";
import { type Cscli, createCscli } from "../oracle/cscli.js";
import { skipUnlessPresent } from "../oracle/prerequisites.js";
import { waitFor } from "../oracle/processes.js";
import { type RampartDev, startRampartDev } from "../oracle/rampart-dev.js";
import {
  type BouncerDev,
  DUMMY_TOKEN,
  type LocalServer,
  startBouncerDev,
  startOrigin,
  startSiteverify,
} from "./bouncer-stack.js";

const CHROMIUM = "/usr/bin/chromium";
const install = crowdsecInstall();
const skipOracle = shouldSkipWithoutOracle(install, "bouncer browser test");
const noBrowser = skipUnlessPresent(
  "bouncer browser test",
  existsSync(CHROMIUM) ? [] : [CHROMIUM],
  "apt-get install chromium (.ci/run does)",
);
const ARTIFACTS = join(repoRoot(), "test-artifacts");
const BANNED = "203.0.113.90";
const CAPTCHA = "192.0.2.90";

describe.skipIf(skipOracle || noBrowser)("bouncer pages in chromium", () => {
  let lapi: RampartDev;
  let cscli: Cscli;
  let origin: LocalServer;
  let siteverify: LocalServer & { calls: () => URLSearchParams[] };
  let bouncer: BouncerDev;
  const profiles: string[] = [];

  /** A fresh browser profile whose requests claim to come from `ip` (dev-mode CF-Connecting-IP). */
  async function browserAs(ip: string): Promise<BrowserContext> {
    const profile = mkdtempSync(join(tmpdir(), "rampart-chromium-"));
    profiles.push(profile);
    return chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
      extraHTTPHeaders: { "CF-Connecting-IP": ip },
      viewport: { width: 900, height: 700 },
    });
  }

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    lapi = await startRampartDev();
    await lapi.addMachine("e2e-browser", "e2e-browser-password");
    cscli = createCscli({
      install,
      credentials: { url: lapi.url, login: "e2e-browser", password: "e2e-browser-password" },
    });
    const lapiKey = await lapi.addBouncer("e2e-browser-bouncer");
    origin = await startOrigin();
    siteverify = await startSiteverify();
    bouncer = await startBouncerDev({
      lapiUrl: lapi.url,
      lapiKey,
      originUrl: origin.url,
      siteverifyUrl: siteverify.url,
    });
    await cscli.mustRun(["decisions", "add", "-i", BANNED]);
    await cscli.mustRun(["decisions", "add", "-i", CAPTCHA, "-t", "captcha"]);
    for (const ip of [BANNED, CAPTCHA]) {
      await waitFor(
        `the decision on ${ip}`,
        async () => {
          const res = await bouncer.visit("/", ip);
          await res.arrayBuffer();
          return res.status === 403;
        },
        { timeoutMs: 60_000, intervalMs: 200, diagnostics: () => bouncer.logs().slice(-3000) },
      );
    }
  });

  afterAll(async () => {
    await bouncer?.stop();
    await siteverify?.close();
    await origin?.close();
    cscli?.cleanup();
    await lapi?.stop();
    for (const p of profiles) rmSync(p, { recursive: true, force: true });
  });

  it("shows the ban page to a banned address", async () => {
    const context = await browserAs(BANNED);
    try {
      const page = await context.newPage();
      const res = await page.goto(`${bouncer.url}account`);
      expect(res?.status()).toBe(403);
      await expect(page.locator("h1").textContent()).resolves.toBe("Access denied");
      expect(await page.textContent("body")).toContain(BANNED);
      await page.screenshot({ path: join(ARTIFACTS, "bouncer-ban-page.png"), fullPage: true });
    } finally {
      await context.close();
    }
  });

  it("completes the captcha flow and lands on the origin page it asked for", async () => {
    const context = await browserAs(CAPTCHA);
    try {
      const page = await context.newPage();
      const res = await page.goto(`${bouncer.url}private/report?id=7`);
      expect(res?.status()).toBe(403);
      await expect(page.locator("h1").textContent()).resolves.toBe("One more step");
      const box = page.locator("#rampart-dev-turnstile");
      await box.waitFor();
      await page.screenshot({ path: join(ARTIFACTS, "bouncer-captcha-page.png"), fullPage: true });
      await box.check();
      await Promise.all([
        page.waitForURL(`${bouncer.url}private/report?id=7`),
        page.click("#rampart-continue"),
      ]);
      await expect(page.locator("h1").textContent()).resolves.toBe("Welcome to the origin");
      expect(await page.textContent("#path")).toBe("GET /private/report?id=7");
      await page.screenshot({
        path: join(ARTIFACTS, "bouncer-captcha-solved.png"),
        fullPage: true,
      });

      const verify = siteverify.calls().at(-1)!;
      expect(verify.get("response")).toBe(DUMMY_TOKEN);
      expect(verify.get("remoteip")).toBe(CAPTCHA);
      expect(verify.get("idempotency_key")).toBeTruthy();
      const cookies = await context.cookies(bouncer.url);
      const cookie = cookies.find((c) => c.name === "rampart_captcha");
      expect(cookie?.httpOnly).toBe(true);

      // The cookie keeps the visitor through on the next page too.
      const again = await page.goto(`${bouncer.url}other`);
      expect(again?.status()).toBe(200);
    } finally {
      await context.close();
    }
  });
});
