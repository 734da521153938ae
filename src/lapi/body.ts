import { decodeAs, type GoType, parseGoJson } from "../shared/go-json";
import { BodyError, type BodyFailure, readCappedBody } from "./capped-body";
import type { AppContext } from "./context";
import { ApiError, type ApiErrorCode } from "./errors";

/** CrowdSec 1.7.8+ body caps, measured after gzip decompression (and before it). */
export const UNAUTHENTICATED_BODY_LIMIT = 2 * 1024 * 1024;
export const AUTHENTICATED_BODY_LIMIT = 50 * 1024 * 1024;

const TOO_LARGE = "http: request body too large";

/** Go's messages for the refusals (`net/http` MaxBytesReader, `compress/gzip`, `io`). */
const BODY_MESSAGES: Record<BodyFailure, string> = {
  tooLarge: TOO_LARGE,
  badGzip: "gzip: invalid header",
  interrupted: "unexpected EOF",
};

/**
 * Reads the request body as text, gunzipping `Content-Encoding: gzip`, capped at `limit` bytes
 * both as received and as inflated; the cap is enforced while inflating (see `capped-body.ts`).
 */
export async function readBodyText(c: AppContext, limit: number): Promise<string> {
  const declared = Number(c.req.header("Content-Length") ?? "0");
  const gzip = (c.req.header("Content-Encoding") ?? "").toLowerCase() === "gzip";
  if (declared > limit) throw new ApiError("badRequest", TOO_LARGE);
  const raw = c.req.raw.body;
  if (!raw) return "";
  try {
    return new TextDecoder().decode(await readCappedBody(raw, { gzip, limit }));
  } catch (e) {
    if (e instanceof BodyError) throw new ApiError("badRequest", BODY_MESSAGES[e.reason]);
    throw e;
  }
}

export interface DecodeOptions {
  /** Go type name used in top-level type errors, e.g. `models.AddAlertsRequest`. */
  goName: string;
  limit: number;
  /** Status of a syntax/type error (400 almost everywhere). */
  syntaxCode?: ApiErrorCode;
  /** Status of a required-field failure (CrowdSec 1.4.6 answers 500 on several routes). */
  validationCode: ApiErrorCode;
  /** Prefix CrowdSec puts before decoder messages on some routes (login: `missing: `). */
  syntaxPrefix?: string;
}

/** Reads, parses and decodes a JSON body with Go-compatible errors. */
export async function readJson<T>(c: AppContext, type: GoType, opts: DecodeOptions): Promise<T> {
  const text = await readBodyText(c, opts.limit);
  const parsed = parseGoJson(text);
  const syntaxCode = opts.syntaxCode ?? "badRequest";
  if (!parsed.ok) throw new ApiError(syntaxCode, `${opts.syntaxPrefix ?? ""}${parsed.message}`);
  // Go decodes `null` into a struct or slice as its zero value, which validation then judges.
  const value =
    parsed.value !== null
      ? parsed.value
      : type.kind === "struct"
        ? {}
        : type.kind === "array"
          ? []
          : null;
  const decoded = decodeAs<T>(value, type, opts.goName);
  if (decoded.ok) return decoded.value;
  if (decoded.kind === "validation") throw new ApiError(opts.validationCode, decoded.message);
  throw new ApiError(syntaxCode, `${opts.syntaxPrefix ?? ""}${decoded.message}`);
}
