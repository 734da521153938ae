import type { Env } from "./env";

/** Where the web console lives (wrangler.toml `[assets]`, directory `dist/console-assets`). */
export const CONSOLE_PREFIX = "/console";

/**
 * Headers of every console file: the page may load only its own scripts and styles and talk
 * only to this origin; no framing (clickjacking of the ban buttons), no referrer, no sniffing.
 */
const SECURITY_HEADERS: Record<string, string> = {
  "Content-Security-Policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  "X-Content-Type-Options": "nosniff",
  "X-Frame-Options": "DENY",
  "Referrer-Policy": "no-referrer",
};

export function isConsolePath(path: string): boolean {
  return path === CONSOLE_PREFIX || path.startsWith(`${CONSOLE_PREFIX}/`);
}

/** Serves a console file from the ASSETS binding (GET/HEAD only; `/console` → `/console/`). */
export async function serveConsoleAsset(request: Request, env: Env): Promise<Response> {
  if (request.method !== "GET" && request.method !== "HEAD") {
    return new Response(null, { status: 405, headers: { Allow: "GET, HEAD" } });
  }
  const url = new URL(request.url);
  if (url.pathname === CONSOLE_PREFIX) {
    url.pathname = `${CONSOLE_PREFIX}/`;
    return Response.redirect(url.toString(), 301);
  }
  const asset = await env.ASSETS.fetch(new Request(url.toString(), { method: request.method }));
  const response = new Response(asset.body, asset);
  for (const [k, v] of Object.entries(SECURITY_HEADERS)) response.headers.set(k, v);
  return response;
}
