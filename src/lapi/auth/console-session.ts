import { jwtVerify, SignJWT } from "jose";

/**
 * Sessions of the web console (`/console/`): the admin token, typed once into the sign-in form,
 * becomes a signed session cookie so the page never keeps the token itself. The cookie is
 * HttpOnly (no script reads it), SameSite=Strict (no other site's page sends it), Secure over
 * https and scoped to `/admin/v1`. Every state-changing request made with it must also carry the
 * session's CSRF token in {@link CSRF_HEADER}, which only the console's own pages can read (the
 * admin API sends no CORS headers).
 *
 * The session is a HS256 JWT keyed by both secrets (`JWT_SECRET`, `ADMIN_TOKEN`): rotating the
 * admin token ends every console session.
 */

export const SESSION_COOKIE = "rampart_console";
export const CSRF_HEADER = "X-Rampart-CSRF";
export const SESSION_TTL_S = 8 * 3600;
const AUDIENCE = "rampart-console";

export interface ConsoleSession {
  csrf: string;
  /** Expiry, Unix seconds. */
  exp: number;
}

async function sessionKey(jwtSecret: Uint8Array, adminToken: string): Promise<Uint8Array> {
  const label = new TextEncoder().encode(`rampart console session\0${adminToken}\0`);
  const material = new Uint8Array(label.length + jwtSecret.length);
  material.set(label);
  material.set(jwtSecret, label.length);
  return new Uint8Array(await crypto.subtle.digest("SHA-256", material));
}

function randomToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}

/** Signs a new session (fresh CSRF token) valid for {@link SESSION_TTL_S}. */
export async function issueSession(
  jwtSecret: Uint8Array,
  adminToken: string,
  nowMs: number,
): Promise<{ cookieValue: string; session: ConsoleSession }> {
  const exp = Math.floor(nowMs / 1000) + SESSION_TTL_S;
  const session = { csrf: randomToken(), exp };
  const cookieValue = await new SignJWT({ csrf: session.csrf })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setAudience(AUDIENCE)
    .setExpirationTime(exp)
    .sign(await sessionKey(jwtSecret, adminToken));
  return { cookieValue, session };
}

/** The session a cookie value proves, or null (bad signature, expired, other audience). */
export async function verifySession(
  jwtSecret: Uint8Array,
  adminToken: string,
  cookieValue: string,
  nowMs: number,
): Promise<ConsoleSession | null> {
  try {
    const { payload } = await jwtVerify(cookieValue, await sessionKey(jwtSecret, adminToken), {
      algorithms: ["HS256"],
      audience: AUDIENCE,
      currentDate: new Date(nowMs),
    });
    if (typeof payload.csrf !== "string" || typeof payload.exp !== "number") return null;
    return { csrf: payload.csrf, exp: payload.exp };
  } catch {
    return null;
  }
}

/** The `Set-Cookie` value carrying a session (or, with `null`, clearing it). */
export function sessionCookie(value: string | null, secure: boolean): string {
  const attrs = ["Path=/admin/v1", "HttpOnly", "SameSite=Strict"];
  if (secure) attrs.push("Secure");
  if (value === null) return [`${SESSION_COOKIE}=`, ...attrs, "Max-Age=0"].join("; ");
  return [`${SESSION_COOKIE}=${value}`, ...attrs, `Max-Age=${SESSION_TTL_S}`].join("; ");
}

/** The session cookie's value from a `Cookie` header, if any. */
export function readSessionCookie(header: string | undefined): string | null {
  if (!header) return null;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === SESSION_COOKIE) return part.slice(eq + 1).trim();
  }
  return null;
}
