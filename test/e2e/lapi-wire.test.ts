/**
 * Differential wire test: the steps of `test/fixtures/lapi/wire-steps.yaml` (cscli seeding, then
 * raw HTTP requests as bouncers and machines send them) run in order against the real CrowdSec
 * 1.4.6 LAPI and against Rampart; status, `Content-Type`, `WWW-Authenticate` and the masked body
 * of every request must match. A new case is a new YAML entry, not new code.
 */
import { appendFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { isRampart, startRealAndCandidate } from "../oracle/candidate.js";
import { crowdsecInstall, repoRoot, shouldSkipWithoutOracle } from "../oracle/crowdsec-config.js";
import { type Cscli, createCscli } from "../oracle/cscli.js";
import { recordMismatch, resetMismatches } from "../oracle/differential.js";
import { machineLogin } from "../oracle/lapi-client.js";
import type { LapiTarget } from "../oracle/lapi-target.js";
import { normalizeJson, withoutLaterReleaseFields } from "../oracle/normalize.js";

const install = crowdsecInstall();
const skip = shouldSkipWithoutOracle(install, "LAPI wire differential tests");
const MACHINE = "e2e-wire";
const PASSWORD = "e2e-wire-password-0123456789";
const UNVALIDATED = "e2e-unvalidated";
const UNVALIDATED_PASSWORD = "e2e-unvalidated-password-0123";
const MISMATCH_LOG = "lapi-wire-mismatches";

interface RequestStep {
  name: string;
  method: string;
  path: string;
  auth: string;
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
  /**
   * The body later CrowdSec releases send instead (docs/compatibility.md): Rampart may serve either
   * generation, so this alternative is accepted too, with the same status and headers.
   */
  head?: unknown;
}
type Step = { cscli: string[] } | { deleteBouncer: string } | { request: RequestStep };

const steps = parse(
  readFileSync(join(repoRoot(), "test/fixtures/lapi/wire-steps.yaml"), "utf8"),
) as Step[];

/** Per-LAPI state: its cscli, bouncer keys and a machine JWT. */
interface Side {
  target: LapiTarget;
  cscli: Cscli;
  keys: Record<string, string>;
  token: string;
}

async function prepare(target: LapiTarget): Promise<Side> {
  await target.addMachine(MACHINE, PASSWORD);
  const cscli = createCscli({
    install,
    credentials: { url: target.url, login: MACHINE, password: PASSWORD },
  });
  const register = await fetch(new URL("v1/watchers", target.url), {
    method: "POST",
    headers: { "Content-Type": "application/json", "User-Agent": "rampart-e2e/1.0" },
    body: JSON.stringify({ machine_id: UNVALIDATED, password: UNVALIDATED_PASSWORD }),
  });
  if (register.status !== 201) throw new Error(`register on ${target.kind}: ${register.status}`);
  const keys = {
    live: await target.addBouncer("e2e-live"),
    stream: await target.addBouncer("e2e-stream"),
    doomed: await target.addBouncer("e2e-doomed"),
    wrong: "0123456789abcdef0123456789abcdef",
  };
  const token = await machineLogin(target.url, MACHINE, PASSWORD);
  return { target, cscli, keys, token };
}

/** JWTs signed with the side's own secret: expired, and an unsigned `alg: none` one. */
async function specialToken(side: Side, kind: string): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  if (kind === "jwt:expired") {
    return new SignJWT({ id: MACHINE, orig_iat: now - 7200 })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setExpirationTime(now - 3600)
      .sign(new TextEncoder().encode(side.target.jwtSecret));
  }
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");
  return `${b64({ alg: "none", typ: "JWT" })}.${b64({ exp: now + 3600, id: MACHINE, orig_iat: now })}.`;
}

async function authHeaders(side: Side, auth: string): Promise<Record<string, string>> {
  if (auth === "none") return {};
  if (auth === "jwt") return { Authorization: `Bearer ${side.token}` };
  if (auth.startsWith("jwt:")) return { Authorization: `Bearer ${await specialToken(side, auth)}` };
  if (auth.startsWith("key:")) return { "X-Api-Key": side.keys[auth.slice(4)]! };
  if (auth.startsWith("bearer:")) return { Authorization: `Bearer ${auth.slice(7)}` };
  throw new Error(`unknown auth ${auth} in wire-steps.yaml`);
}

/**
 * Sorts decision lists (a GET /v1/decisions array, or a stream's `new`/`deleted`): 1.4.6 returns
 * them in database order without ORDER BY, so their order is not part of the contract.
 */
function sortDecisionLists(body: unknown): unknown {
  const key = (d: Record<string, unknown>) =>
    `${d.value} ${d.type} ${d.scope} ${d.origin} ${d.scenario} ${String(d.duration).startsWith("-")}`;
  const sorted = (list: Record<string, unknown>[]) =>
    [...list].sort((a, b) => key(a).localeCompare(key(b)));
  if (Array.isArray(body)) return sorted(body);
  if (!body || typeof body !== "object") return body;
  const out: Record<string, unknown> = { ...(body as Record<string, unknown>) };
  for (const list of ["new", "deleted"]) {
    if (Array.isArray(out[list])) out[list] = sorted(out[list] as Record<string, unknown>[]);
  }
  // A decision expired less than half a second ago is `0s` once rounded to seconds (1.6.3+);
  // 1.4.6 prints the exact negative remainder. Both mean "expired".
  if (Array.isArray(out.deleted)) {
    out.deleted = (out.deleted as Record<string, unknown>[]).map((d) =>
      d.duration === "0s" ? { ...d, duration: "-0s" } : d,
    );
  }
  return out;
}

/** The comparable rendering of one response: request line, status, key headers, masked body. */
async function render(side: Side, step: RequestStep): Promise<string> {
  const headers: Record<string, string> = {
    "User-Agent": "crowdsec/v1.4.6-e2e",
    ...(await authHeaders(side, step.auth)),
    ...step.headers,
  };
  let body: string | undefined;
  if (step.rawBody !== undefined) body = step.rawBody;
  else if (step.body !== undefined) body = JSON.stringify(step.body);
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const res = await fetch(new URL(step.path.replace(/^\//, ""), side.target.url), {
    method: step.method,
    headers,
    body,
    redirect: "manual",
  });
  const text = await res.text();
  if (res.status >= 300 && res.status < 400) {
    // Redirects: only the status and where they lead matter to clients (an absolute or relative
    // Location, and gin's little HTML body, are equivalent).
    const to = new URL(res.headers.get("location") ?? "", side.target.url);
    return `${step.method} ${step.path} [${step.auth}]\nstatus: ${res.status}\nlocation: ${to.pathname}${to.search}`;
  }
  let shown = text;
  try {
    let json = JSON.parse(text) as unknown;
    if (step.method === "GET" && step.path.startsWith("/v1/decisions")) {
      json = sortDecisionLists(json);
    }
    shown = showJson(json);
  } catch {
    // Not JSON: compared verbatim (empty bodies, plain text).
  }
  const contentType = text.length > 0 ? (res.headers.get("content-type") ?? "") : "(empty body)";
  const authenticate = res.headers.get("www-authenticate");
  const location = res.headers.get("location");
  return [
    `${step.method} ${step.path} [${step.auth}]`,
    `status: ${res.status}`,
    `content-type: ${contentType}`,
    ...(authenticate ? [`www-authenticate: ${authenticate}`] : []),
    ...(location ? [`location: ${location}`] : []),
    shown,
  ].join("\n");
}

function showJson(json: unknown): string {
  return JSON.stringify(normalizeJson(withoutLaterReleaseFields(json)), null, 1);
}

/** The oracle's rendering with its body swapped for the step's later-release body. */
function withHeadBody(expected: string, step: RequestStep): string {
  const lines = expected.split("\n");
  const bodyStart = lines.findIndex((l) => l === "{" || l === "[" || l === "null");
  return [...lines.slice(0, bodyStart), showJson(step.head)].join("\n");
}

describe.skipIf(skip)("LAPI wire responses match the real CrowdSec 1.4.6 LAPI", () => {
  let real: Side;
  let candidate: Side;
  const targets: LapiTarget[] = [];

  beforeAll(async () => {
    resetMismatches(MISMATCH_LOG);
    const started = await startRealAndCandidate();
    targets.push(...started);
    [real, candidate] = (await Promise.all(started.map(prepare))) as [Side, Side];
  });

  afterAll(async () => {
    real?.cscli.cleanup();
    candidate?.cscli.cleanup();
    await Promise.all(targets.map((t) => t.stop()));
  });

  // Steps are stateful: one `it` per step, in file order (vitest runs them sequentially).
  steps.forEach((step, index) => {
    if ("cscli" in step) {
      it(`seeds with cscli ${step.cscli.join(" ")} (step ${index + 1})`, async () => {
        for (const side of [real, candidate]) await side.cscli.mustRun(step.cscli);
      });
      return;
    }
    if ("deleteBouncer" in step) {
      it(`deletes bouncer ${step.deleteBouncer} (step ${index + 1})`, async () => {
        for (const side of [real, candidate]) await side.target.deleteBouncer(step.deleteBouncer);
      });
      return;
    }
    const req = step.request;
    it(`${req.name}: ${req.method} ${req.path} answers like CrowdSec`, async () => {
      const expected = await render(real, req);
      const got = await render(candidate, req);
      if (process.env.E2E_TRANSCRIPTS) {
        appendFileSync(
          join(repoRoot(), "test-artifacts", "lapi-wire-oracle.txt"),
          `${expected}\n\n`,
        );
      }
      if (req.head !== undefined && got !== expected && got === withHeadBody(expected, req)) {
        return; // A documented later-release answer (docs/compatibility.md).
      }
      if (expected !== got) {
        const label = isRampart(candidate.target) ? "" : " (self-check)";
        recordMismatch(MISMATCH_LOG, `${req.name}${label}`, expected, got);
      }
      expect(got).toBe(expected);
    });
  });
});
