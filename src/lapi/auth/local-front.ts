import { constantTimeEqual } from "./constant-time";

/**
 * The header through which the `npm start` front proxy (`scripts/local-front.mjs`) proves a
 * request came through it. Under `wrangler dev`, miniflare turns a client's `MF-CF-Blob` header
 * into `request.cf` (client certificates) and keeps a client's `CF-Connecting-IP`; the proxy
 * strips both from clients and sets them itself, and the Worker refuses whatever reached its
 * port another way. Unset in production, where Cloudflare's edge sets `cf` and the client IP.
 */
export const LOCAL_FRONT_HEADER = "X-Rampart-Local-Front";

/** Why a request is refused under `LOCAL_FRONT_TOKEN`, or null when it came through the proxy. */
export async function localFrontRefusal(
  headers: Headers,
  token: string | undefined,
): Promise<string | null> {
  if (!token) return null;
  const sent = headers.get(LOCAL_FRONT_HEADER);
  if (sent !== null && (await constantTimeEqual(sent, token))) return null;
  return "direct access refused: connect through the local front proxy (npm start)";
}
