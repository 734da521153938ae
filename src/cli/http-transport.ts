/**
 * HTTP for the CLI: `fetch`, or `node:https` when a client certificate is configured (mTLS
 * deployments). Network failures and error answers become one-line `CliError`s carrying the
 * LAPI's own `{"message": ...}`, never a stack trace.
 */
import { readFileSync } from "node:fs";
import { request as httpsRequest } from "node:https";
import { CliError, EXIT } from "./cli-error.js";
import type { HttpRequest } from "./lapi-client.js";

/** The User-Agent: LAPI login wants exactly one `/` (CrowdSec middlewares/v1/jwt.go). */
export const USER_AGENT = "rampart-cli/0.1.0";

/** TLS client material for mTLS. */
export interface TlsFiles {
  certFile?: string;
  keyFile?: string;
  caFile?: string;
}

/** A raw answer before error mapping. */
export interface RawResponse {
  status: number;
  text: string;
}

/** Sends one request to `baseUrl`; throws `CliError` (exit 4) when the LAPI cannot be reached. */
export type RawSender = (
  baseUrl: string,
  request: HttpRequest & { headers: Record<string, string> },
) => Promise<RawResponse>;

function buildUrl(baseUrl: string, request: HttpRequest): URL {
  const url = new URL(request.path.replace(/^\//, ""), baseUrl);
  for (const [k, v] of Object.entries(request.query ?? {})) url.searchParams.set(k, v);
  return url;
}

function unreachable(baseUrl: string, error: unknown): CliError {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const why = cause?.code ?? cause?.message ?? (error as Error).message;
  return new CliError(`cannot reach the LAPI at ${baseUrl} (${why})`, EXIT.unreachable);
}

/** A sender over `fetch`, or over `node:https` when `tls` names a client certificate or a CA. */
export function makeSender(tls: TlsFiles = {}, timeoutMs = 30_000): RawSender {
  if (Boolean(tls.certFile) !== Boolean(tls.keyFile)) {
    throw new CliError("a client certificate needs both cert_file and key_file", EXIT.usage);
  }
  // node:https for a client certificate or a private CA (fetch takes neither without undici).
  if (tls.certFile || tls.caFile) {
    const read = (path: string) => {
      try {
        return readFileSync(path);
      } catch {
        throw new CliError(`cannot read TLS file '${path}'`, EXIT.usage);
      }
    };
    const cert = tls.certFile ? read(tls.certFile) : undefined;
    const key = tls.keyFile ? read(tls.keyFile) : undefined;
    const ca = tls.caFile ? read(tls.caFile) : undefined;
    return (baseUrl, request) =>
      new Promise((resolve, reject) => {
        const body = request.body === undefined ? undefined : JSON.stringify(request.body);
        const req = httpsRequest(
          buildUrl(baseUrl, request),
          { method: request.method, headers: request.headers, cert, key, ca, timeout: timeoutMs },
          (res) => {
            let text = "";
            res.setEncoding("utf8");
            res.on("data", (chunk: string) => {
              text += chunk;
            });
            res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
          },
        );
        req.on("error", (error) => reject(unreachable(baseUrl, { cause: error })));
        req.end(body);
      });
  }
  return async (baseUrl, request) => {
    let res: Response;
    try {
      res = await fetch(buildUrl(baseUrl, request), {
        method: request.method,
        headers: request.headers,
        body: request.body === undefined ? undefined : JSON.stringify(request.body),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      throw unreachable(baseUrl, error);
    }
    return { status: res.status, text: await res.text() };
  };
}

/** Parses an answer: 2xx → JSON (or null); otherwise a `CliError` naming the LAPI's message. */
export function decodeResponse(request: HttpRequest, res: RawResponse): unknown {
  let body: unknown = null;
  if (res.text.trim() !== "") {
    try {
      body = JSON.parse(res.text);
    } catch {
      body = res.text;
    }
  }
  if (res.status >= 200 && res.status < 300) return body;
  const message =
    body && typeof body === "object" && "message" in body
      ? String((body as { message: unknown }).message)
      : typeof body === "string" && body
        ? body.slice(0, 200)
        : `HTTP ${res.status}`;
  const oneLine = message.replace(/\s*\n\s*/g, "; ");
  if (res.status === 401 || res.status === 403) {
    throw new CliError(
      `${request.method} ${request.path}: access denied (${res.status}): ${oneLine}`,
      EXIT.api,
    );
  }
  throw new CliError(
    `${request.method} ${request.path}: API error (${res.status}): ${oneLine}`,
    EXIT.api,
  );
}
