/**
 * Issue 15 item 3 acceptance in a real browser: Debian's chromium driven by playwright-core signs
 * in to the web console of a local LAPI (wrangler dev, as `npm start` runs it), sees the alerts
 * of an ssh brute force replayed through the real agent, bans an address from the decisions page
 * and reads it back with the real cscli 1.4.6, deletes it, signs out. A wrong token and a write
 * without the CSRF header are refused. Screenshots of every page at 1280×800 and 390×844 go to
 * test-artifacts/console/ (git-ignored).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type AgentInstall,
  parseReplaySummary,
  runAgentReplay,
  writeAgentInstall,
} from "../oracle/agent-replay.js";
import {
  crowdsecInstall,
  makeTempDir,
  removeDir,
  repoRoot,
  shouldSkipWithoutOracle,
} from "../oracle/crowdsec-config.js";
import { type Cscli, createCscli } from "../oracle/cscli.js";
import { skipUnlessPresent } from "../oracle/prerequisites.js";
import { type RampartDev, startRampartDev } from "../oracle/rampart-dev.js";

const CHROMIUM = "/usr/bin/chromium";
const install = crowdsecInstall();
const skipOracle = shouldSkipWithoutOracle(install, "console browser test");
const noBrowser = skipUnlessPresent(
  "console browser test",
  existsSync(CHROMIUM) ? [] : [CHROMIUM],
  "apt-get install chromium (.ci/run does)",
);
const ARTIFACTS = join(repoRoot(), "test-artifacts", "console");
const ATTACKER = "203.0.113.61";
const BANNED = "192.0.2.123";
const PASSWORD = "console-e2e-password-0123456789";
const SIZES = [
  { name: "desktop", width: 1280, height: 800 },
  { name: "phone", width: 390, height: 844 },
] as const;

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const p2 = (n: number) => String(n).padStart(2, "0");

/** syslog's `Mmm dd hh:mm:ss` (UTC, no year). */
function syslogStamp(ms: number): string {
  const d = new Date(ms);
  return `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, " ")} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}`;
}

/** Ten failed root logins from `ip`, one a second, ten minutes ago: one ssh-bf overflow. */
function bruteForce(ip: string): string {
  const base = Math.floor(Date.now() / 1000) * 1000 - 10 * 60_000;
  const lines: string[] = [];
  for (let i = 0; i < 10; i++) {
    lines.push(
      `${syslogStamp(base + i * 1000)} web-1 sshd[${200 + i}]: Failed password for root from ${ip} port ${41000 + i} ssh2`,
    );
  }
  return `${lines.join("\n")}\n`;
}

describe.skipIf(skipOracle || noBrowser)("web console in chromium", () => {
  let lapi: RampartDev;
  let cscli: Cscli;
  let agent: AgentInstall;
  let dir: string;
  const profiles: string[] = [];

  async function browser(): Promise<BrowserContext> {
    const profile = mkdtempSync(join(tmpdir(), "rampart-console-chromium-"));
    profiles.push(profile);
    return chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
      viewport: { width: 1280, height: 800 },
    });
  }

  const consoleUrl = () => new URL("console/", lapi.url).toString();

  async function signIn(page: Page, token: string): Promise<void> {
    await page.goto(consoleUrl());
    await page.fill('#sign-in input[name="token"]', token);
    await page.click('#sign-in button[type="submit"]');
  }

  /** Both screenshots of the page on screen, once `ready` is visible. */
  async function shoot(page: Page, name: string, ready: string): Promise<void> {
    for (const size of SIZES) {
      await page.setViewportSize({ width: size.width, height: size.height });
      await page.locator(ready).first().waitFor();
      await page.screenshot({ path: join(ARTIFACTS, `${name}-${size.name}.png`), fullPage: true });
    }
    await page.setViewportSize({ width: 1280, height: 800 });
  }

  async function visit(page: Page, hash: string, heading: string): Promise<void> {
    await page.goto(`${consoleUrl()}${hash}`);
    await page.locator("main h1", { hasText: heading }).waitFor();
    await page.locator("main .loading").waitFor({ state: "detached" });
  }

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    dir = makeTempDir("console-e2e");
    lapi = await startRampartDev();
    await lapi.addMachine("web-1", PASSWORD);
    await lapi.validateMachine("web-1");
    await lapi.addMachine("console-cscli", PASSWORD);
    await lapi.validateMachine("console-cscli");
    await lapi.addBouncer("edge-firewall");
    await lapi.admin("POST", "/admin/v1/machines", {
      machine_id: "pending-agent",
      password: PASSWORD,
      validated: false,
    });
    agent = writeAgentInstall({
      lapiUrl: lapi.url,
      machineId: "web-1",
      password: PASSWORD,
      collections: ["crowdsecurity/linux"],
    });
    const log = join(dir, "auth.log");
    writeFileSync(log, bruteForce(ATTACKER));
    const run = await runAgentReplay(agent, log, "syslog");
    expect(run.code, run.stderr).toBe(0);
    expect(parseReplaySummary(run.stdout).alerts).toBeGreaterThanOrEqual(1);
    cscli = createCscli({
      install,
      credentials: { url: lapi.url, login: "console-cscli", password: PASSWORD },
    });
  });

  afterAll(async () => {
    cscli?.cleanup();
    agent?.remove();
    await lapi?.stop();
    if (dir) removeDir(dir);
    for (const p of profiles) rmSync(p, { recursive: true, force: true });
  });

  it("refuses a wrong admin token and sets no cookie", async () => {
    const context = await browser();
    try {
      const page = await context.newPage();
      await signIn(page, "definitely-not-the-admin-token");
      await page
        .locator("#sign-in-error")
        .filter({ hasText: "wrong admin token" })
        .first()
        .waitFor();
      expect(await context.cookies()).toEqual([]);
      await page.screenshot({ path: join(ARTIFACTS, "sign-in-refused.png") });
    } finally {
      await context.close();
    }
  });

  it("refuses a write that carries the session cookie but not the CSRF token", async () => {
    const context = await browser();
    try {
      const page = await context.newPage();
      await signIn(page, lapi.adminToken);
      await page.locator("nav").waitFor();
      const cookie = (await context.cookies()).find((c) => c.name === "rampart_console");
      expect(cookie).toMatchObject({ httpOnly: true, sameSite: "Strict", path: "/admin/v1" });
      // The page's own script, without the header: what a forged request would look like.
      const status = await page.evaluate(async () => {
        const r = await fetch("/admin/v1/bouncers", {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ name: "forged-bouncer" }),
        });
        return r.status;
      });
      expect(status).toBe(403);
      const listed = (await lapi.admin("GET", "/admin/v1/bouncers")).body as { name: string }[];
      expect(listed.map((b) => b.name)).not.toContain("forged-bouncer");
      // The script cannot read the session cookie either.
      expect(await page.evaluate(() => document.cookie)).not.toContain("rampart_console");
    } finally {
      await context.close();
    }
  });

  it("ignores a form another site posts to the admin API while the operator is signed in", async () => {
    // The attacker's page: `localhost` is another site than `127.0.0.1`, where the console runs.
    const target = new URL("admin/v1/bouncers", lapi.url).toString();
    const attacker = createServer((_, res) => {
      res.writeHead(200, { "Content-Type": "text/html" });
      res.end(`<form id="f" method="POST" action="${target}" enctype="text/plain">
        <input name='{"name":"cross-site-bouncer","x":"' value='"}'></form>
        <script>document.getElementById("f").submit()</script>`);
    });
    await new Promise<void>((resolve) => attacker.listen(0, "127.0.0.1", resolve));
    const context = await browser();
    try {
      const page = await context.newPage();
      await signIn(page, lapi.adminToken);
      await page.locator("nav").waitFor();
      const { port } = attacker.address() as AddressInfo;
      const [response] = await Promise.all([
        page.waitForResponse((r) => r.url() === target),
        page.goto(`http://localhost:${port}/`),
      ]);
      // SameSite=Strict: the browser sent no cookie, so the admin API saw no credentials.
      expect(response.status()).toBe(401);
      const listed = (await lapi.admin("GET", "/admin/v1/bouncers")).body as { name: string }[];
      expect(listed.map((b) => b.name)).not.toContain("cross-site-bouncer");
    } finally {
      await context.close();
      await new Promise((resolve) => attacker.close(resolve));
    }
  });

  it("signs in, shows the replayed attack, bans and unbans an IP seen by cscli, signs out", async () => {
    const context = await browser();
    try {
      const page = await context.newPage();
      await signIn(page, lapi.adminToken);
      await page.locator("main h1", { hasText: "Overview" }).waitFor();
      await page
        .locator("#top-scenarios")
        .filter({ hasText: "crowdsecurity/ssh-bf" })
        .first()
        .waitFor();
      const total = await page.locator("#alerts-total strong").textContent();
      expect(Number(total)).toBeGreaterThanOrEqual(1);
      await shoot(page, "overview", "#top-scenarios");

      await visit(page, "#/alerts", "Alerts");
      const row = page.locator("tr", { hasText: `Ip:${ATTACKER}` });
      await row.filter({ hasText: "crowdsecurity/ssh-bf" }).first().waitFor();
      await shoot(page, "alerts", "table");
      // cscli alerts list's --ip filter, matching and not.
      await page.fill('main form.filters input[name="ip"]', "192.0.2.250");
      await page.click('main form.filters button[type="submit"]');
      await page.locator("main .empty", { hasText: "no alerts match" }).waitFor();
      await page.fill('main form.filters input[name="ip"]', ATTACKER);
      await page.click('main form.filters button[type="submit"]');
      await row.first().waitFor();
      await row.first().locator("a").first().click();
      await page.locator("main h1", { hasText: "Alert " }).waitFor();
      await page.locator("main").filter({ hasText: ATTACKER }).first().waitFor();
      expect(await page.locator("main details").count()).toBeGreaterThan(0);
      await shoot(page, "alert-inspect", "main details");

      await visit(page, "#/decisions", "Decisions");
      await page.fill('#add-decision input[name="value"]', BANNED);
      await page.fill('#add-decision input[name="duration"]', "2h");
      await page.click('#add-decision button[type="submit"]');
      await page.locator("#decision-status", { hasText: `Decision added on ${BANNED}` }).waitFor();
      const listed = await cscli.mustRun(["decisions", "list", "-o", "raw"]);
      const line = listed.stdout.split("\n").find((l) => l.includes(`Ip:${BANNED}`));
      expect(line, listed.stdout).toContain("manual 'ban' from 'console'");
      await shoot(page, "decisions", `tr:has-text("${BANNED}")`);

      await page.locator("tr", { hasText: BANNED }).locator("button.danger").click();
      await page
        .locator("#decision-status", {
          hasText: new RegExp(`^Decision \\d+ on ${BANNED.replace(/\./g, "\\.")} deleted$`),
        })
        .waitFor();
      const after = await cscli.mustRun(["decisions", "list", "-i", BANNED]);
      expect(after.stdout).toBe("No active decisions\n");

      await visit(page, "#/machines", "Machines");
      await page.locator("main table").filter({ hasText: "web-1" }).first().waitFor();
      const pending = page.locator("tr", { hasText: "pending-agent" });
      await pending.locator("button", { hasText: "Validate" }).click();
      await pending.locator(".badge", { hasText: "validated" }).waitFor();
      const machines = await lapi.listMachines();
      expect(machines.find((m) => m.machineId === "pending-agent")?.isValidated).toBe(true);
      await shoot(page, "machines", "main table");

      await visit(page, "#/bouncers", "Bouncers");
      await page.fill('main form input[name="name"]', "console-added");
      await page.click('main form button[type="submit"]');
      const key = (await page.locator("#new-key code").textContent()) ?? "";
      const pull = await fetch(new URL("v1/decisions", lapi.url), {
        headers: { "X-Api-Key": key },
      });
      expect(pull.status).toBe(200);
      await shoot(page, "bouncers", "#new-key");
      // Shown once: the list page shown again has no key.
      await visit(page, "#/allowlists", "Allowlists");
      await visit(page, "#/bouncers", "Bouncers");
      await page.locator("main table").filter({ hasText: "console-added" }).first().waitFor();
      expect(await page.locator("#new-key").count()).toBe(0);
      await visit(page, "#/allowlists", "Allowlists");
      await shoot(page, "allowlists", "main h1");
      await visit(page, "#/profiles", "Profiles");
      await page.locator("pre.yaml").first().filter({ hasText: "name:" }).first().waitFor();
      await shoot(page, "profiles", "pre.yaml");

      await page.click("#sign-out");
      await page.locator("#sign-in").waitFor();
      expect((await context.cookies()).find((c) => c.name === "rampart_console")).toBeUndefined();
      const res = await page.request.get(new URL("admin/v1/machines", lapi.url).toString());
      expect(res.status()).toBe(401);
    } finally {
      await context.close();
    }
  });
});
