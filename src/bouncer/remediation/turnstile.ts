import type { BouncerConfig } from "../config";
import { captchaSetCookie, signCaptchaCookie } from "./captcha-cookie";
import { DEFAULT_CAPTCHA_TEMPLATE, htmlResponse, renderTemplate } from "./pages";

/** Turnstile's widget script (production). */
export const TURNSTILE_SCRIPT = "https://challenges.cloudflare.com/turnstile/v0/api.js";
/** Largest captcha form body read (a Turnstile token is ≤ 2,048 chars). */
export const CAPTCHA_BODY_LIMIT = 16 * 1024;
/** Turnstile's action name the page asks for and siteverify must echo. */
export const CAPTCHA_ACTION = "rampart-captcha";

/** Where the captcha form posts and where the dev stand-in widget lives. */
export function captchaPaths(config: BouncerConfig) {
  return {
    action: `${config.controlPath}/captcha`,
    devScript: `${config.controlPath}/dev/turnstile.js`,
  };
}

/** The challenge page for a request (403, never cached). */
export function challengePage(
  config: BouncerConfig,
  url: URL,
  ip: string,
  error = "",
  status = 403,
): Response {
  const paths = captchaPaths(config);
  const html = renderTemplate(config.captchaTemplate ?? DEFAULT_CAPTCHA_TEMPLATE, {
    ip,
    host: url.hostname,
    site_key: config.turnstile.siteKey,
    // Dev mode only: Turnstile's script cannot load offline, so a local stand-in is served.
    script_url: config.devMode ? paths.devScript : TURNSTILE_SCRIPT,
    action_url: paths.action,
    return_to: url.pathname.startsWith(config.controlPath) ? "/" : url.pathname + url.search,
    error,
  });
  return htmlResponse(html, status, { "X-Rampart-Remediation": "captcha" });
}

export type SiteverifyResult =
  | { kind: "passed" }
  | { kind: "rejected"; codes: string[] }
  | { kind: "unreachable"; error: string };

/**
 * Server-side validation (Cloudflare docs "Turnstile: Validate the token"): form-encoded `secret`,
 * `response`, `remoteip` and an `idempotency_key`, so the one retry after a network error cannot be
 * refused as a replay (`timeout-or-duplicate`). Checks `success`, the action, and — unless disabled
 * for Turnstile's test keys, which report `example.com` — the hostname.
 */
export async function siteverify(
  config: BouncerConfig,
  token: string,
  remoteip: string,
  hostname: string,
): Promise<SiteverifyResult> {
  const body = new URLSearchParams({
    secret: config.turnstile.secretKey,
    response: token,
    remoteip,
    idempotency_key: crypto.randomUUID(),
  });
  let lastError = "";
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const res = await fetch(config.turnstile.verifyUrl, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: body.toString(),
        signal: AbortSignal.timeout(5_000),
      });
      if (res.status >= 500) {
        lastError = `siteverify HTTP ${res.status}`;
        await res.body?.cancel();
        continue;
      }
      const out = (await res.json()) as {
        success?: boolean;
        "error-codes"?: string[];
        hostname?: string;
        action?: string;
      };
      if (out.success !== true) return { kind: "rejected", codes: out["error-codes"] ?? [] };
      if (out.action !== undefined && out.action !== "" && out.action !== CAPTCHA_ACTION) {
        return { kind: "rejected", codes: ["action-mismatch"] };
      }
      if (config.turnstile.checkHostname && out.hostname !== hostname) {
        return { kind: "rejected", codes: ["hostname-mismatch"] };
      }
      return { kind: "passed" };
    } catch (e) {
      lastError = (e as Error).message;
    }
  }
  return { kind: "unreachable", error: lastError };
}

/** Outcome of a captcha form post, for counters. */
export type CaptchaSubmission =
  | "solved"
  | "failed"
  | "invalid"
  | "siteverify_error_open"
  | "siteverify_error_closed";

/**
 * `POST <control>/captcha`. Only a small form body is accepted (urlencoded or multipart); any
 * other body is refused with the challenge page again, never forwarded — the CrowdSec worker
 * bouncer forwards to the origin when form parsing fails. On success: a signed cookie and a 303
 * back to the original path (relative paths only, so the form cannot redirect elsewhere).
 */
export async function handleCaptchaSubmission(
  request: Request,
  config: BouncerConfig,
  key: CryptoKey,
  ip: string,
  now: number,
): Promise<{ response: Response; outcome: CaptchaSubmission }> {
  const url = new URL(request.url);
  const retry = (error: string, status = 403) =>
    challengePage(config, new URL("/", url), ip, error, status);
  if (request.method !== "POST") {
    return {
      response: new Response(null, { status: 405, headers: { Allow: "POST" } }),
      outcome: "invalid",
    };
  }
  const form = await readForm(request);
  if (!form)
    return {
      response: retry("Your answer could not be read. Please try again.", 400),
      outcome: "invalid",
    };
  const returnTo = safeReturnTo(form.get("return_to"));
  const back = (error: string, status = 403) => {
    const target = new URL(returnTo, url);
    return challengePage(config, target, ip, error, status);
  };
  const token = form.get("cf-turnstile-response") ?? "";
  if (token === "" || token.length > 2048) {
    return { response: back("Please complete the check first.", 400), outcome: "invalid" };
  }
  const verdict = await siteverify(config, token, ip, url.hostname);
  const secure = url.protocol === "https:";
  if (verdict.kind === "rejected")
    return { response: back("The check failed. Please try again."), outcome: "failed" };
  if (verdict.kind === "unreachable" && config.failMode === "closed") {
    return {
      response: back("Verification is unavailable right now. Please retry shortly.", 503),
      outcome: "siteverify_error_closed",
    };
  }
  // Fail-open after an unreachable siteverify still sets a cookie, but only for one minute, so
  // the visitor is not sent round the challenge in a loop and is checked again soon after.
  const ttl = verdict.kind === "passed" ? config.cookie.ttlMs : 60_000;
  const cookie = await signCaptchaCookie(key, { ip, host: url.hostname, exp: now + ttl });
  return {
    response: new Response(null, {
      status: 303,
      headers: {
        Location: returnTo,
        "Set-Cookie": captchaSetCookie(cookie, ttl, secure),
        "Cache-Control": "no-store",
      },
    }),
    outcome: verdict.kind === "passed" ? "solved" : "siteverify_error_open",
  };
}

async function readForm(request: Request): Promise<URLSearchParams | FormData | null> {
  const type = (request.headers.get("Content-Type") ?? "").toLowerCase();
  const urlencoded = type.startsWith("application/x-www-form-urlencoded");
  if (!urlencoded && !type.startsWith("multipart/form-data")) return null;
  const declared = Number(request.headers.get("Content-Length") ?? "0");
  if (declared > CAPTCHA_BODY_LIMIT) return null;
  const bytes = await readCapped(request, CAPTCHA_BODY_LIMIT);
  if (!bytes) return null;
  try {
    if (urlencoded) return new URLSearchParams(new TextDecoder().decode(bytes));
    const form = await new Response(bytes, { headers: { "Content-Type": type } }).formData();
    return form;
  } catch {
    return null;
  }
}

/** Reads at most `limit` bytes of the body; null when it is longer. */
async function readCapped(request: Request, limit: number): Promise<Uint8Array | null> {
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > limit) {
      await reader.cancel();
      return null;
    }
    parts.push(value);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const RETURN_BASE = "https://return-to.invalid";

/**
 * The local path to send a visitor back to, or `/`. Judged on what a browser would do with it,
 * not on its first characters: URL parsing drops tabs and newlines and reads `\` as `/`, so
 * `/\t/evil.example/` is `//evil.example/`, another host (issue 12).
 */
export function safeReturnTo(value: unknown): string {
  if (typeof value !== "string" || !value.startsWith("/")) return "/";
  if (/[\u0000-\u001f\u007f\\]/.test(value)) return "/";
  let target: URL;
  try {
    target = new URL(value, RETURN_BASE);
  } catch {
    return "/";
  }
  if (target.origin !== RETURN_BASE) return "/";
  const local = target.pathname + target.search + target.hash;
  return local.startsWith("//") ? "/" : local;
}
