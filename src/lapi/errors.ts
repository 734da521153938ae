import type { Context } from "hono";

/**
 * The closed set of API failures. CrowdSec maps many client mistakes to 500 (invalid filters, bad
 * ids on delete); `serverError` carries those on purpose, with CrowdSec's message.
 */
export type ApiErrorCode =
  | "badRequest"
  | "jwtUnauthorized"
  | "jwtBadRequest"
  | "unauthorized"
  | "forbidden"
  | "notFound"
  | "conflict"
  | "unprocessable"
  | "tooManyRequests"
  | "serverError";

export function statusOf(code: ApiErrorCode): 400 | 401 | 403 | 404 | 409 | 422 | 429 | 500 {
  switch (code) {
    case "badRequest":
    case "jwtBadRequest":
      return 400;
    case "jwtUnauthorized":
    case "unauthorized":
      return 401;
    case "forbidden":
      return 403;
    case "notFound":
      return 404;
    case "conflict":
      return 409;
    case "unprocessable":
      return 422;
    case "tooManyRequests":
      return 429;
    case "serverError":
      return 500;
  }
}

/** An error answered as CrowdSec does: `{"message": ...}` (plus `code` for JWT failures). */
export class ApiError extends Error {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

export const GENERIC_500 = "internal server error";

/** Writes a JSON body the way gin's `c.JSON` does (charset included). */
export function jsonResponse(body: unknown, status = 200, headers?: HeadersInit): Response {
  const h = new Headers(headers);
  h.set("Content-Type", "application/json; charset=utf-8");
  return new Response(JSON.stringify(body), { status, headers: h });
}

/** An empty 200/201/204 body as gin writes it. */
export function emptyResponse(status: number): Response {
  return new Response(status === 204 ? null : "", {
    status,
    headers: { "Content-Type": "text/plain; charset=utf-8" },
  });
}

/** The single error handler: ApiError → CrowdSec body; anything else → fixed generic 500. */
export function onError(err: Error, c: Context): Response {
  if (err instanceof ApiError) {
    const status = statusOf(err.code);
    if (err.code === "jwtUnauthorized" || err.code === "jwtBadRequest") {
      return jsonResponse({ code: status, message: err.message }, status, {
        "WWW-Authenticate": "JWT realm=Crowdsec API local",
      });
    }
    return jsonResponse({ message: err.message }, status);
  }
  if (err.name === "ConfigError") {
    // A deployment mistake, not a request one: say which setting, never a secret's value.
    console.error(`LAPI misconfigured: ${err.message}`);
    return jsonResponse({ message: `server misconfigured: ${err.message}` }, 500);
  }
  console.error(`unhandled error on ${c.req.method} ${c.req.path}:`, err);
  return jsonResponse({ message: GENERIC_500 }, 500);
}
