import { decodeAs, type GoType, parseGoJson } from "../shared/go-json";
import type { AppContext } from "./context";
import { ApiError, type ApiErrorCode } from "./errors";

/** CrowdSec 1.7.8+ body caps, measured after gzip decompression. */
export const UNAUTHENTICATED_BODY_LIMIT = 2 * 1024 * 1024;
export const AUTHENTICATED_BODY_LIMIT = 50 * 1024 * 1024;

const TOO_LARGE = "http: request body too large";

/** Reads the request body as text, gunzipping `Content-Encoding: gzip`, capped at `limit` bytes. */
export async function readBodyText(c: AppContext, limit: number): Promise<string> {
  const declared = Number(c.req.header("Content-Length") ?? "0");
  const gzip = (c.req.header("Content-Encoding") ?? "").toLowerCase() === "gzip";
  if (!gzip && declared > limit) throw new ApiError("badRequest", TOO_LARGE);
  const raw = c.req.raw.body;
  if (!raw) return "";
  let stream: ReadableStream<Uint8Array> = raw;
  if (gzip) stream = raw.pipeThrough(new DecompressionStream("gzip"));
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > limit) {
        await reader.cancel();
        throw new ApiError("badRequest", TOO_LARGE);
      }
      chunks.push(value);
    }
  } catch (e) {
    if (e instanceof ApiError) throw e;
    throw new ApiError("badRequest", "gzip: invalid header");
  }
  const all = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    all.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return new TextDecoder().decode(all);
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
