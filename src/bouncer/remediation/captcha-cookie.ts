/**
 * The cookie that remembers a solved captcha: `base64url(JSON{ip,host,exp}).base64url(HMAC)`,
 * HMAC-SHA256 under CAPTCHA_COOKIE_SECRET. Bound to the client IP and host, short-lived, HttpOnly.
 * The CrowdSec worker bouncer uses an HS256 JWT keyed by widget secret + IP for 2 h; binding the
 * IP inside the signed payload gives the same guarantee with one key.
 */
export const CAPTCHA_COOKIE = "rampart_captcha";

interface Claims {
  ip: string;
  host: string;
  /** Expiry, ms since epoch. */
  exp: number;
}

/** Imports the HMAC key once per isolate. */
export function cookieKey(secret: string): Promise<CryptoKey> {
  return crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign", "verify"],
  );
}

export async function signCaptchaCookie(key: CryptoKey, claims: Claims): Promise<string> {
  const payload = b64url(new TextEncoder().encode(JSON.stringify(claims)));
  const sig = new Uint8Array(
    await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(payload)),
  );
  return `${payload}.${b64url(sig)}`;
}

/** Whether the request carries a valid, unexpired cookie for this IP and host. */
export async function hasValidCaptchaCookie(
  request: Request,
  key: CryptoKey,
  ip: string,
  host: string,
  now: number,
): Promise<boolean> {
  const value = readCookie(request.headers.get("Cookie"), CAPTCHA_COOKIE);
  if (!value) return false;
  const dot = value.indexOf(".");
  if (dot <= 0) return false;
  const payload = value.slice(0, dot);
  const sig = fromB64url(value.slice(dot + 1));
  if (!sig) return false;
  const ok = await crypto.subtle.verify("HMAC", key, sig, new TextEncoder().encode(payload));
  if (!ok) return false;
  const bytes = fromB64url(payload);
  if (!bytes) return false;
  try {
    const claims = JSON.parse(new TextDecoder().decode(bytes)) as Claims;
    return (
      claims.ip === ip && claims.host === host && typeof claims.exp === "number" && claims.exp > now
    );
  } catch {
    return false;
  }
}

/** `Set-Cookie` value; `Secure` except on plain-HTTP dev origins. */
export function captchaSetCookie(value: string, ttlMs: number, secure: boolean): string {
  const attrs = [
    `${CAPTCHA_COOKIE}=${value}`,
    "Path=/",
    `Max-Age=${Math.floor(ttlMs / 1000)}`,
    "HttpOnly",
    "SameSite=Lax",
  ];
  if (secure) attrs.push("Secure");
  return attrs.join("; ");
}

function readCookie(header: string | null, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

function b64url(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromB64url(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return null;
  try {
    const bin = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
    return Uint8Array.from(bin, (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}
