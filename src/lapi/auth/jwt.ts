import { decodeProtectedHeader, errors, jwtVerify, SignJWT } from "jose";

/** Token lifetime and refresh window of CrowdSec's gin-jwt setup (1 h each). */
export const TOKEN_TTL_S = 3600;
export const MAX_REFRESH_S = 3600;

export interface IssuedToken {
  token: string;
  /** RFC3339 UTC, seconds precision, as CrowdSec's login response `expire`. */
  expire: string;
}

/** Signs `{exp, id, orig_iat}` with HS256, the exact claim set CrowdSec issues. */
export async function issueToken(
  secret: Uint8Array,
  machineId: string,
  nowMs: number,
): Promise<IssuedToken> {
  const iat = Math.floor(nowMs / 1000);
  const exp = iat + TOKEN_TTL_S;
  const token = await new SignJWT({ exp, id: machineId, orig_iat: iat })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .sign(secret);
  return { token, expire: new Date(exp * 1000).toISOString().replace(/\.\d{3}Z$/, "Z") };
}

export type VerifyResult =
  | { ok: true; machineId: string }
  | { ok: false; message: string; status?: 400 };

/**
 * Verifies a token like gin-jwt + golang-jwt v4, returning their error wording on failure.
 * `allowExpired` is the refresh path: an expired token passes while its `orig_iat` is recent.
 */
export async function verifyToken(
  secret: Uint8Array,
  token: string,
  nowMs: number,
  allowExpired = false,
): Promise<VerifyResult> {
  if (token.split(".").length !== 3) {
    return { ok: false, message: "token contains an invalid number of segments" };
  }
  let alg: string | undefined;
  try {
    alg = decodeProtectedHeader(token).alg;
  } catch {
    return { ok: false, message: "token is malformed" };
  }
  // gin-jwt rejects any algorithm other than the configured one (alg:none included).
  if (alg !== "HS256") return { ok: false, message: "invalid signing algorithm" };
  let payload: Record<string, unknown>;
  try {
    const r = await jwtVerify(token, secret, {
      algorithms: ["HS256"],
      currentDate: new Date(nowMs),
      clockTolerance: allowExpired ? Number.MAX_SAFE_INTEGER : 0,
    });
    payload = r.payload as Record<string, unknown>;
  } catch (e) {
    if (e instanceof errors.JWTExpired) return { ok: false, message: "Token is expired" };
    if (e instanceof errors.JWTClaimValidationFailed && e.claim === "exp") {
      return { ok: false, message: "exp must be float64 format", status: 400 };
    }
    if (e instanceof errors.JWSSignatureVerificationFailed) {
      return { ok: false, message: "signature is invalid" };
    }
    return { ok: false, message: "token is malformed" };
  }
  // gin-jwt (middlewareImpl) refuses a token without `exp` with 400 before anything else; jose
  // alone would accept it as never expiring.
  if (payload.exp === undefined) return { ok: false, message: "missing exp field", status: 400 };
  const id = payload.id;
  if (typeof id !== "string") return { ok: false, message: "token is malformed" };
  if (allowExpired) {
    const origIat = typeof payload.orig_iat === "number" ? payload.orig_iat : 0;
    if (origIat < Math.floor(nowMs / 1000) - MAX_REFRESH_S) {
      return { ok: false, message: "token is expired" };
    }
  }
  return { ok: true, machineId: id };
}

/**
 * gin-jwt's lookup order `header: Authorization, query: token, cookie: jwt`: the error of the
 * last source tried is reported, hence CrowdSec's famous "cookie token is empty".
 */
export function findToken(req: Request): string | null {
  const header = req.headers.get("Authorization");
  if (header) {
    const parts = header.split(" ");
    if (parts.length === 2 && parts[0] === "Bearer" && parts[1]) return parts[1];
  }
  const query = new URL(req.url).searchParams.get("token");
  if (query) return query;
  const cookie = req.headers.get("Cookie");
  if (cookie) {
    for (const part of cookie.split(";")) {
      const [k, ...v] = part.trim().split("=");
      if (k === "jwt" && v.join("=")) return v.join("=");
    }
  }
  return null;
}
