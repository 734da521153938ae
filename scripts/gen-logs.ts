/**
 * Deterministic (seeded) log generator for the parser differential test and the bench.
 *
 *   node --import tsx scripts/gen-logs.ts            # writes test/fixtures/logs/*.log
 *   node --import tsx scripts/gen-logs.ts --bench    # writes 100,000-line logs into .cache/bench/
 *
 * Every kind mixes lines the hub parsers accept (attacks, successes, private and IPv6 sources so
 * the whitelist node is exercised) with lines they reject (other programs, truncated lines, garbage).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

/** mulberry32: tiny seeded PRNG, so fixtures are byte-identical on every run. */
export function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Random = () => number;
const pick = <T>(rnd: Random, items: readonly T[]): T => items[Math.floor(rnd() * items.length)]!;
const int = (rnd: Random, min: number, max: number) => min + Math.floor(rnd() * (max - min + 1));

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const USERS = [
  "root",
  "admin",
  "ubuntu",
  "test",
  "oracle",
  "git",
  "pi",
  "user1",
  "deploy",
  "postgres",
];
const HOSTS = ["web-1", "db01", "bastion", "host.example.org", "10.1.2.3", "srv"];
const pad = (n: number, width = 2) => String(n).padStart(width, "0");

function ip(rnd: Random): string {
  const r = rnd();
  if (r < 0.1) return pick(rnd, ["10.0.0.5", "192.168.1.20", "172.16.4.2", "127.0.0.1"]);
  if (r < 0.18)
    return `2001:db8:${int(rnd, 0, 0xffff).toString(16)}::${int(rnd, 1, 0xfff).toString(16)}`;
  if (r < 0.2) return "::1";
  // Last octet starting with 2: the case CrowdSec's IP_WORKAROUND pattern exists for.
  if (r < 0.3)
    return `${int(rnd, 1, 223)}.${int(rnd, 0, 255)}.${int(rnd, 0, 255)}.${int(rnd, 200, 255)}`;
  return `${int(rnd, 1, 223)}.${int(rnd, 0, 255)}.${int(rnd, 0, 255)}.${int(rnd, 0, 255)}`;
}

/** A clock advancing a few seconds per line from a fixed start. */
function clock(rnd: Random, start: Date) {
  let t = start.getTime();
  return () => {
    t += int(rnd, 0, 4000);
    return new Date(t);
  };
}

function syslogTime(d: Date): string {
  return `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, " ")} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

function isoTime(d: Date, rnd: Random): string {
  const base = d.toISOString().slice(0, 19);
  return pick(rnd, [
    `${base}Z`,
    `${base}.${pad(int(rnd, 0, 999999), 6)}+02:00`,
    `${base}+00:00`,
    `${base}.${pad(int(rnd, 0, 999), 3)}-05:00`,
    // Offsets without a colon: valid ISO 8601 for grok, not RFC 3339 for ParseDate (now fallback).
    `${base}+0100`,
    `${base.replace("T", " ")}`,
  ]);
}

function sshdMessage(rnd: Random): string {
  const user = pick(rnd, USERS);
  const src = ip(rnd);
  const port = int(rnd, 1024, 65535);
  return pick(rnd, [
    `Failed password for ${user} from ${src} port ${port} ssh2`,
    `Failed password for invalid user ${user} from ${src} port ${port} ssh2`,
    `Failed publickey for ${user} from ${src} port ${port} ssh2: RSA SHA256:abcDEF${port}`,
    `Failed none for invalid user ${user} from ${src} port ${port} ssh2`,
    `Invalid user ${user} from ${src} port ${port}`,
    `Invalid user  from ${src} port ${port}`,
    `Invalid user ${user} from ${src}`,
    `Accepted publickey for ${user} from ${src} port ${port} ssh2: ED25519 SHA256:xyz${port}`,
    `Accepted password for ${user} from ${src} port ${port} ssh2`,
    `Connection closed by authenticating user ${user} ${src} port ${port} [preauth]`,
    `Connection closed by invalid user ${user} ${src} port ${port} [preauth]`,
    `Disconnected from invalid user ${user} ${src} port ${port} [preauth]`,
    `Disconnected from authenticating user ${user} ${src} port ${port} [preauth]`,
    `Disconnected from ${src} port ${port} [preauth]`,
    `Disconnected from user ${user} ${src} port ${port}`,
    `Received disconnect from ${src} port ${port}:11: Bye Bye [preauth]`,
    `Did not receive identification string from ${src} port ${port}`,
    `Bad protocol version identification 'GET / HTTP/1.1' from ${src} port ${port}`,
    `error: maximum authentication attempts exceeded for ${user} from ${src} port ${port} ssh2 [preauth]`,
    `pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=${src}  user=${user}`,
    `pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=${src}`,
    `pam_unix(sshd:session): session opened for user ${user} by (uid=0)`,
    `banner exchange: Connection from ${src} port ${port}: invalid format`,
    `Magic value check failed (${int(rnd, 1, 9999)}) on obfuscated handshake from ${src} port ${port}`,
    `Unable to negotiate with ${src} port ${port}: no matching key exchange method found. Their offer: diffie-hellman-group1-sha1 [preauth]`,
    `Connection reset by ${src} port ${port} [preauth]`,
    `Server listening on 0.0.0.0 port 22.`,
    `Received signal 15; terminating.`,
  ]);
}

function sshdLine(rnd: Random, now: Date): string {
  const host = pick(rnd, HOSTS);
  const pid = int(rnd, 100, 99999);
  const r = rnd();
  if (r < 0.08) return `${isoTime(now, rnd)} ${host} sshd[${pid}]: ${sshdMessage(rnd)}`;
  if (r < 0.1) return `${syslogTime(now)} ${host} sshd: ${sshdMessage(rnd)}`;
  if (r < 0.11)
    return `Feb 29 ${syslogTime(now).slice(7)} ${host} sshd[${pid}]: ${sshdMessage(rnd)}`;
  if (r < 0.12)
    return `Feb 30 ${syslogTime(now).slice(7)} ${host} sshd[${pid}]: ${sshdMessage(rnd)}`;
  if (r < 0.13) {
    // The RFC 5424 variant syslog-logs' second grok exists for (opnsense).
    return `<38>1 ${isoTime(now, rnd)} ${host} sshd ${pid} - [meta sequenceId="${pid}"] ${sshdMessage(rnd)}`;
  }
  return `${syslogTime(now)} ${host} sshd[${pid}]: ${sshdMessage(rnd)}`;
}

const GARBAGE = [
  "garbage",
  "-- Reboot --",
  "Jan 99 99:99:99 nohost",
  "Jan  1 00:00:00",
  "    indented continuation line",
  '{"json": true, "msg": "not syslog"}',
  "Feb 30 12:00:00 host sshd[1]:",
  "\tTab\tseparated\tvalues",
  "ünïcödé ✓ line with emoji 🚀 and accents",
  "127.0.0.1 - - [broken",
  "<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - BOM'su root' failed",
  "GET / HTTP/1.1",
  "x".repeat(20_000),
  `Jan 12 08:00:00 host sshd[1]: Failed password for root from 1.2.3.4 port 22 ssh2 ${"A".repeat(5000)}`,
  "Jan 12 08:00:00 host sshd[1]: Failed password for root from 1.2.3.4 port 22 ssh2\r",
];

function syslogOtherLine(rnd: Random, now: Date): string {
  const host = pick(rnd, HOSTS);
  const pid = int(rnd, 100, 99999);
  const user = pick(rnd, USERS);
  return pick(rnd, [
    `${syslogTime(now)} ${host} CRON[${pid}]: (root) CMD (run-parts /etc/cron.hourly)`,
    `${syslogTime(now)} ${host} systemd[1]: Started Session ${pid} of user ${user}.`,
    `${syslogTime(now)} ${host} kernel: [${int(rnd, 1, 99999)}.${pad(int(rnd, 0, 999999), 6)}] IPv4: martian source ${ip(rnd)} from ${ip(rnd)}, on dev eth0`,
    `${syslogTime(now)} ${host} sudo:     ${user} : TTY=pts/0 ; PWD=/home/${user} ; USER=root ; COMMAND=/usr/bin/apt update`,
    `${syslogTime(now)} ${host} su[${pid}]: pam_unix(su:auth): authentication failure; logname=${user} uid=1000 euid=0 tty=pts/0 ruser=${user} rhost=  user=root`,
    `${isoTime(now, rnd)} ${host} dhclient[${pid}]: DHCPREQUEST for ${ip(rnd)} on eth0`,
    `${syslogTime(now)} ${host} postfix/smtpd[${pid}]: connect from unknown[${ip(rnd)}]`,
    `${syslogTime(now)} ${host} nginx: 2024/01/02 03:04:05 [error] 12#12: *3 open() "/x" failed`,
    `${syslogTime(now)} ${host} sshd[${pid}]: ${sshdMessage(rnd)}`,
    pick(rnd, GARBAGE),
  ]);
}

const PATHS = [
  "/",
  "/index.html",
  "/wp-login.php",
  "/admin/config.php?id=1",
  "/static/app.js",
  "/img/logo.PNG",
  "/.env",
  "/.git/config",
  "/api/v1/users?page=2&sort=name",
  "/search?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E",
  "/product?id=1%27%20OR%201=1--",
  "/cgi-bin/../../../../etc/passwd",
  "/shell.php",
  "/favicon.ico",
  "/robots.txt",
  "/dir/sub/",
  "/phpmyadmin/index.php",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal Log4Shell probe path.
  "/${jndi:ldap://x.example/a}",
  "/index.php?s=/Index/\\think\\app/invokefunction&function=call_user_func_array",
  "/style.min.css?v=3",
  "/caf%C3%A9/men%C3%BC.html",
  "/ünïcode/pâth.JPG",
  "/a/b/c/d.tar.gz",
  "/noext",
  "/double??q=1",
  "/%2e%2e/%2e%2e/etc/shadow",
];
const AGENTS = [
  "Mozilla/5.0 (X11; Linux x86_64; rv:109.0) Gecko/20100101 Firefox/115.0",
  "curl/7.88.1",
  "sqlmap/1.7.2#stable (https://sqlmap.org)",
  "Nikto/2.1.6",
  "masscan/1.3 (https://github.com/robertdavidgraham/masscan)",
  "-",
  "Googlebot/2.1 (+http://www.google.com/bot.html)",
  "python-requests/2.31.0",
];
const VERBS = ["GET", "GET", "GET", "POST", "HEAD", "PUT", "OPTIONS"];
const STATUSES = [
  "200",
  "200",
  "200",
  "301",
  "304",
  "400",
  "401",
  "403",
  "404",
  "404",
  "500",
  "502",
];

function httpDate(d: Date): string {
  return `${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
}

function accessLine(rnd: Random, now: Date, vhost: boolean): string {
  const user = rnd() < 0.1 ? pick(rnd, USERS) : "-";
  const prefix =
    vhost && rnd() < 0.2
      ? `${pick(rnd, ["example.com", "shop.example.org", "example.com:8443"])} `
      : "";
  const r = rnd();
  const request =
    vhost && r < 0.03
      ? "-"
      : vhost && r < 0.05
        ? "\\x16\\x03\\x01\\x02\\x00\\x01\\x00\\x01\\xFC\\x03\\x03"
        : vhost && r < 0.07
          ? `GET http://proxy.example.net:80/ HTTP/1.1`
          : `${pick(rnd, VERBS)} ${pick(rnd, PATHS)} HTTP/${pick(rnd, ["1.0", "1.1", "2.0"])}`;
  const tail =
    vhost && rnd() < 0.1
      ? ` ${int(rnd, 100, 999)} 0.${pad(int(rnd, 0, 999), 3)} [upstream-web] []`
      : "";
  return `${prefix}${ip(rnd)} - ${user} [${httpDate(now)}] "${request}" ${pick(rnd, STATUSES)} ${int(rnd, 0, 99999)} "${pick(rnd, ["-", "https://example.com/"])}" "${pick(rnd, AGENTS)}"${tail}`;
}

function nginxErrorLine(rnd: Random, now: Date): string {
  const d = `${now.getUTCFullYear()}/${pad(now.getUTCMonth() + 1)}/${pad(now.getUTCDate())} ${pad(now.getUTCHours())}:${pad(now.getUTCMinutes())}:${pad(now.getUTCSeconds())}`;
  const src = ip(rnd);
  const pid = int(rnd, 1, 9999);
  const cid = int(rnd, 1, 99999);
  const path = pick(rnd, PATHS);
  const user = pick(rnd, USERS);
  const tail = `client: ${src}, server: example.com, request: "GET ${path} HTTP/1.1", host: "example.com"`;
  return pick(rnd, [
    `${d} [error] ${pid}#${pid}: *${cid} open() "/var/www/html${path}" failed (2: No such file or directory), ${tail}`,
    `${d} [error] ${pid}#${pid}: *${cid} user "${user}" was not found in "/etc/nginx/.htpasswd", ${tail}`,
    `${d} [error] ${pid}#${pid}: *${cid} user "${user}": password mismatch, ${tail}`,
    `${d} [error] ${pid}#${pid}: *${cid} limiting requests, excess: 10.500 by zone "one", ${tail}`,
    `${d} [warn] ${pid}#${pid}: *${cid} an upstream response is buffered to a temporary file, ${tail}`,
    `${d} [notice] ${pid}#${pid}: signal process started`,
    `${d} [error] ${pid}#${pid}: *${cid} access forbidden by rule, client: ${src}, server: example.com, request: "POST /wp-admin/ HTTP/2.0", host: "example.com:8443"`,
    `${d} [crit] ${pid}#${pid}: *${cid} SSL_do_handshake() failed, client: ${src}, server: 0.0.0.0:443`,
    `api.example.com ${d} [error] ${pid}#${pid}: *${cid} user "${user}": password mismatch, ${tail}`,
  ]);
}

function apacheErrorLine(rnd: Random, now: Date): string {
  const src = ip(rnd);
  const day = DAYS[now.getUTCDay()];
  const t = `${day} ${MONTHS[now.getUTCMonth()]} ${pad(now.getUTCDate())} ${pad(now.getUTCHours())}:${pad(now.getUTCMinutes())}:${pad(now.getUTCSeconds())}`;
  const user = pick(rnd, USERS);
  const port = int(rnd, 1024, 65535);
  const pid = int(rnd, 100, 9999);
  return pick(rnd, [
    `[${t}.${pad(int(rnd, 0, 999999), 6)} ${now.getUTCFullYear()}] [auth_basic:error] [pid ${pid}] [client ${src}:${port}] AH01617: user ${user}: authentication failure for "/private": Password Mismatch`,
    `[${t}.${pad(int(rnd, 0, 999999), 6)} ${now.getUTCFullYear()}] [auth_basic:error] [pid ${pid}:tid 1234] [client ${src}:${port}] AH01618: user ${user} not found: /admin`,
    `[${t}.${pad(int(rnd, 0, 999999), 6)} ${now.getUTCFullYear()}] [core:error] [pid ${pid}] [client ${src}:${port}] AH10244: invalid URI path (/cgi-bin/.%2e/.%2e/bin/sh)`,
    `[${t}.${pad(int(rnd, 0, 999999), 6)} ${now.getUTCFullYear()}] [core:info] [pid ${pid}] [client ${src}:${port}] AH00126: Invalid URI in request GET /%%32%65 HTTP/1.1`,
    `[${t}.${pad(int(rnd, 0, 999999), 6)} ${now.getUTCFullYear()}] [authz_core:error] [pid ${pid}] [client ${src}:${port}] AH01630: client denied by server configuration: /var/www/html/.htaccess`,
    `[${t} ${now.getUTCFullYear()}] [error] [client ${src}] File does not exist: /var/www/favicon.ico`,
    `[${t}.${pad(int(rnd, 0, 999999), 6)} ${now.getUTCFullYear()}] [mpm_event:notice] [pid ${pid}:tid 140] AH00489: Apache/2.4.57 (Debian) configured -- resuming normal operations`,
  ]);
}

type LineMaker = (rnd: Random, now: Date) => string;

/** Docker json-file lines wrapping nginx lines, with the escapes and breakage JSON allows. */
function dockerLine(rnd: Random, now: Date): string {
  const inner = rnd() < 0.2 ? nginxErrorLine(rnd, now) : accessLine(rnd, now, true);
  const time = `${now.toISOString().slice(0, 19)}.${pad(int(rnd, 0, 999999999), 9)}Z`;
  const log = JSON.stringify(`${inner}\n`);
  const r = rnd();
  if (r < 0.05) return `{"log":${log},"stream":"stderr"}`;
  if (r < 0.1)
    return `{"stream":"stdout","time":"${time}","log":${log.replace(/"/g, '"').replace(/\//g, "\\/")}}`;
  if (r < 0.13)
    return `{"log":${JSON.stringify(`${inner} caf\u00e9 <x>`).replace(/é/g, "\\u00e9").replace(/</g, "\\u003c")},"time":"${time}"}`;
  if (r < 0.15) return `{"log":42,"time":"${time}"}`;
  if (r < 0.17) return `{"log":{"nested":{"deep":[1,2,{"x":"y"}]}},"time":"not a time"}`;
  if (r < 0.19) return `{"log":${log},"time":"${time}"`;
  if (r < 0.21) return `{ "log" : ${log} , "time" : "${time}" }`;
  if (r < 0.23) return `{"time":"${time}","log":"${"[".repeat(200)}"}`;
  return `{"log":${log},"stream":"stdout","time":"${time}"}`;
}

function generate(seed: number, count: number, maker: LineMaker): string {
  const rnd = createRandom(seed);
  const tick = clock(rnd, new Date(Date.UTC(2024, 0, 12, 8, 0, 0)));
  const lines: string[] = [];
  for (let i = 0; i < count; i++) lines.push(maker(rnd, tick()));
  return `${lines.join("\n")}\n`;
}

const withGarbage =
  (maker: LineMaker, ratio: number): LineMaker =>
  (rnd, now) =>
    rnd() < ratio ? pick(rnd, GARBAGE) : maker(rnd, now);

/** The fixture set: file name, acquisition type, seed, line count, line maker. */
export const FIXTURES: {
  file: string;
  type: string;
  /** Extra acquisition labels. */
  labels?: Record<string, string>;
  seed: number;
  lines: number;
  make: LineMaker;
}[] = [
  { file: "sshd.log", type: "syslog", seed: 1, lines: 700, make: withGarbage(sshdLine, 0.05) },
  { file: "syslog.log", type: "syslog", seed: 2, lines: 500, make: syslogOtherLine },
  {
    file: "nginx.log",
    type: "nginx",
    seed: 3,
    lines: 600,
    make: withGarbage((r, d) => (r() < 0.2 ? nginxErrorLine(r, d) : accessLine(r, d, true)), 0.04),
  },
  {
    file: "apache2.log",
    type: "apache2",
    seed: 4,
    lines: 500,
    make: withGarbage(
      (r, d) => (r() < 0.25 ? apacheErrorLine(r, d) : accessLine(r, d, true)),
      0.04,
    ),
  },
  {
    file: "docker.log",
    type: "docker",
    labels: { program: "nginx" },
    seed: 5,
    lines: 300,
    make: dockerLine,
  },
];

/** The two bench logs (100,000 lines each). */
export const BENCH_LOGS: {
  file: string;
  type: string;
  seed: number;
  lines: number;
  make: LineMaker;
}[] = [
  { file: "sshd-100k.log", type: "syslog", seed: 11, lines: 100_000, make: sshdLine },
  {
    file: "nginx-100k.log",
    type: "nginx",
    seed: 12,
    lines: 100_000,
    make: (r, d) => accessLine(r, d, false),
  },
];

/** Writes the given logs into `dir` and returns their paths. */
export function writeLogs(dir: string, logs: typeof FIXTURES): string[] {
  mkdirSync(dir, { recursive: true });
  return logs.map((log) => {
    const path = join(dir, log.file);
    writeFileSync(path, generate(log.seed, log.lines, log.make));
    return path;
  });
}

const repoRoot = resolve(import.meta.dirname, "..");

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  if (process.argv.includes("--bench")) {
    for (const path of writeLogs(join(repoRoot, ".cache/bench"), BENCH_LOGS)) console.log(path);
  } else {
    for (const path of writeLogs(join(repoRoot, "test/fixtures/logs"), FIXTURES)) console.log(path);
  }
}
