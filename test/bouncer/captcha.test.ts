import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { addDecisions, resetLapi, status, syncNow, visit } from "./helpers";

const SITEVERIFY = "https://siteverify.test/turnstile/v0/siteverify";
const CAPTCHA_IP = "192.0.2.10";

type Verdict =
  | Record<string, unknown>
  | "network-error"
  | ((form: URLSearchParams) => Record<string, unknown>);

/**
 * Simulates Turnstile at the siteverify boundary only: every other fetch (origin, LAPI) goes
 * through untouched. Returns the forms the bouncer posted.
 */
function simulateSiteverify(verdict: Verdict) {
  const seen: URLSearchParams[] = [];
  const real = globalThis.fetch;
  vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    if (url !== SITEVERIFY) return real(input, init);
    const form = new URLSearchParams(String(init?.body ?? ""));
    seen.push(form);
    if (verdict === "network-error") throw new TypeError("Network connection lost.");
    const body = typeof verdict === "function" ? verdict(form) : verdict;
    return Response.json(body);
  });
  return seen;
}

const PASS = (form: URLSearchParams) => ({
  success:
    form.get("secret") === "1x0000000000000000000000000000000AA" &&
    form.get("response") === "XXXX.DUMMY.TOKEN.XXXX",
  "error-codes": [],
  challenge_ts: new Date().toISOString(),
  hostname: "site.test",
  action: "rampart-captcha",
});

function submit(ip: string, body: BodyInit, contentType = "application/x-www-form-urlencoded") {
  return visit("http://site.test/.rampart/captcha", ip, {
    method: "POST",
    headers: { "Content-Type": contentType },
    body,
    redirect: "manual",
  });
}

function cookieFrom(res: Response): string {
  const set = res.headers.get("Set-Cookie") ?? "";
  return set.split(";")[0]!;
}

describe("captcha remediation with Turnstile (siteverify simulated)", () => {
  beforeAll(async () => {
    await resetLapi();
    await addDecisions([
      { value: CAPTCHA_IP, type: "captcha" },
      { value: "192.0.2.11", type: "captcha" },
    ]);
    await syncNow();
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("serves the challenge page with the site key, Turnstile's script and a form back to the page", async () => {
    const res = await visit("http://site.test/shop?item=4", CAPTCHA_IP);
    expect(res.status).toBe(403);
    expect(res.headers.get("X-Rampart-Remediation")).toBe("captcha");
    const html = await res.text();
    expect(html).toContain('data-sitekey="1x00000000000000000000AA"');
    expect(html).toContain("https://challenges.cloudflare.com/turnstile/v0/api.js");
    expect(html).toContain('action="/.rampart/captcha"');
    expect(html).toContain('name="return_to" value="/shop?item=4"');
  });

  it("verifies the token with remoteip and an idempotency key, sets an IP-bound cookie and redirects back", async () => {
    const seen = simulateSiteverify(PASS);
    const res = await submit(
      CAPTCHA_IP,
      "cf-turnstile-response=XXXX.DUMMY.TOKEN.XXXX&return_to=%2Fshop%3Fitem%3D4",
    );
    expect(res.status).toBe(303);
    expect(res.headers.get("Location")).toBe("/shop?item=4");
    expect(seen).toHaveLength(1);
    expect(seen[0]!.get("remoteip")).toBe(CAPTCHA_IP);
    expect(seen[0]!.get("idempotency_key")).toMatch(/^[0-9a-f-]{36}$/);
    const setCookie = res.headers.get("Set-Cookie")!;
    expect(setCookie).toMatch(
      /^rampart_captcha=[\w-]+\.[\w-]+; Path=\/; Max-Age=1800; HttpOnly; SameSite=Lax$/,
    );

    const cookie = cookieFrom(res);
    const through = await visit("http://site.test/shop?item=4", CAPTCHA_IP, {
      headers: { Cookie: cookie },
    });
    expect(through.status).toBe(200);
    expect(await through.json()).toMatchObject({
      origin: true,
      url: "http://site.test/shop?item=4",
    });
    // Bound to the IP: the same cookie from another captcha'd address is worthless.
    const stolen = await visit("http://site.test/", "192.0.2.11", { headers: { Cookie: cookie } });
    expect(stolen.status).toBe(403);
    // And to the host.
    const otherHost = await visit("http://www.site.test/", CAPTCHA_IP, {
      headers: { Cookie: cookie },
    });
    expect(otherHost.status).toBe(403);
    // A tampered cookie fails its signature. The signature's first character is flipped: its
    // last one (43 base64url characters for 32 bytes) holds 2 unused bits, so "A" ↔ "B" there
    // decodes to the same HMAC one time in 16.
    const dot = cookie.lastIndexOf(".") + 1;
    const flipped = cookie[dot] === "A" ? "Q" : "A";
    const tampered = `${cookie.slice(0, dot)}${flipped}${cookie.slice(dot + 1)}`;
    expect(
      (await visit("http://site.test/", CAPTCHA_IP, { headers: { Cookie: tampered } })).status,
    ).toBe(403);
  });

  it("shows the challenge again when Turnstile rejects the token", async () => {
    simulateSiteverify({ success: false, "error-codes": ["timeout-or-duplicate"] });
    const res = await submit(CAPTCHA_IP, "cf-turnstile-response=used-token&return_to=%2F");
    expect(res.status).toBe(403);
    expect(res.headers.get("Set-Cookie")).toBeNull();
    expect(await res.text()).toContain("The check failed");
  });

  it("rejects a token issued for another hostname or action", async () => {
    simulateSiteverify({ success: true, hostname: "evil.test", action: "rampart-captcha" });
    expect((await submit(CAPTCHA_IP, "cf-turnstile-response=t&return_to=%2F")).status).toBe(403);
    vi.restoreAllMocks();
    simulateSiteverify({ success: true, hostname: "site.test", action: "login" });
    expect((await submit(CAPTCHA_IP, "cf-turnstile-response=t&return_to=%2F")).status).toBe(403);
  });

  it("never forwards or trusts a non-form body: JSON, oversize and missing tokens are refused", async () => {
    const seen = simulateSiteverify(PASS);
    const json = await submit(
      CAPTCHA_IP,
      JSON.stringify({ "cf-turnstile-response": "XXXX.DUMMY.TOKEN.XXXX" }),
      "application/json",
    );
    expect(json.status).toBe(400);
    expect(await json.text()).not.toContain('"origin":true');
    const huge = await submit(CAPTCHA_IP, `cf-turnstile-response=${"a".repeat(20_000)}`);
    expect(huge.status).toBe(400);
    const empty = await submit(CAPTCHA_IP, "return_to=%2F");
    expect(empty.status).toBe(400);
    expect(seen).toHaveLength(0);
  });

  it("accepts the token as multipart form data too", async () => {
    simulateSiteverify(PASS);
    const form = new FormData();
    form.set("cf-turnstile-response", "XXXX.DUMMY.TOKEN.XXXX");
    form.set("return_to", "/after");
    const res = await visit("http://site.test/.rampart/captcha", CAPTCHA_IP, {
      method: "POST",
      body: form,
      redirect: "manual",
    });
    expect(res.status).toBe(303);
    expect(res.headers.get("Location")).toBe("/after");
  });

  it("only redirects to local paths", async () => {
    simulateSiteverify(PASS);
    const res = await submit(
      CAPTCHA_IP,
      "cf-turnstile-response=XXXX.DUMMY.TOKEN.XXXX&return_to=%2F%2Fevil.test%2F",
    );
    expect(res.headers.get("Location")).toBe("/");
  });

  it.each([
    "/\t/evil.example/",
    "/\n/evil.example/",
    "/\\evil.example/",
    "/./\t/evil.example",
    "/%09/evil.example",
  ])("never sends a solved captcha to another host: return_to=%j", async (returnTo) => {
    simulateSiteverify(PASS);
    const form = new URLSearchParams({
      "cf-turnstile-response": "XXXX.DUMMY.TOKEN.XXXX",
      return_to: returnTo,
    });
    const res = await submit(CAPTCHA_IP, form.toString());
    expect(res.status).toBe(303);
    const location = res.headers.get("Location")!;
    expect(new URL(location, "https://site.test/").host).toBe("site.test");
  });

  it("challenges a POST with a body without forwarding it; the origin never sees the body", async () => {
    const res = await visit("http://site.test/api/orders", "192.0.2.11", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: '{"order":1}',
    });
    expect(res.status).toBe(403);
    expect(res.headers.get("X-Rampart-Remediation")).toBe("captcha");
  });

  it("counts challenges and solved captchas", async () => {
    const counters = (await status()).isolate.counters;
    expect(counters["challenged{origin=cscli,remediation=captcha}"]).toBeGreaterThanOrEqual(4);
    expect(counters["passed{origin=cscli,remediation=captcha}"]).toBe(1);
    expect(counters["passed{remediation=captcha_solved}"]).toBeGreaterThanOrEqual(3);
  });
});
