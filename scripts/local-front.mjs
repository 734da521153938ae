// The local front proxy of `npm start`: the only listener clients reach. Under `wrangler dev`,
// miniflare makes a client's `MF-CF-Blob` header the Worker's `request.cf` (so a forged
// `tlsClientAuth` would be a verified client certificate) and keeps a client's `CF-Connecting-IP`
// (so a header would choose the client IP). This proxy plays Cloudflare's edge for the local
// stack: it drops every header a client could use to speak for the platform, sets the client IP
// to the TCP peer it accepted (a TLS front in TRUSTED_PROXIES may still name the real client and
// its certificate, see PROXY_HEADERS), and proves itself to the Worker with a per-start token
// (`X-Rampart-Local-Front`, checked in src/lapi/auth/local-front.ts), so connecting to wrangler's
// own loopback port directly gets a 403.
import { createServer, request as httpRequest } from "node:http";

const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);

/**
 * Headers a TLS front in front of this proxy (nginx, deploy/) uses to speak for its clients: the
 * client address and the verified client certificate (src/lapi/auth/proxy-cert.ts). They pass
 * through; the Worker believes them only when this proxy's peer, which it reports as
 * CF-Connecting-IP, is in TRUSTED_PROXIES, and answers 403 to certificate headers from others.
 */
const PROXY_HEADERS = new Set(["x-forwarded-for", "x-real-ip", "x-client-cert", "x-client-verify"]);

/** Whether a client-sent header is one only the platform (or this proxy) may set. */
export function isPlatformHeader(name) {
  const n = name.toLowerCase();
  if (PROXY_HEADERS.has(n)) return false;
  return (
    n.startsWith("mf-") ||
    n.startsWith("cf-") ||
    n.startsWith("x-forwarded-") ||
    n === "forwarded" ||
    n === "true-client-ip" ||
    n === "x-rampart-local-front"
  );
}

/** `::ffff:127.0.0.1` (a dual-stack socket's IPv4 peer) → `127.0.0.1`. */
function peerAddress(socket) {
  const a = socket.remoteAddress ?? "";
  return a.startsWith("::ffff:") && a.includes(".") ? a.slice(7) : a;
}

/**
 * Headers for the Worker: the client's, minus hop-by-hop and platform headers, plus the peer
 * address, an empty `cf` (no client certificate: this proxy terminates no TLS) and the token.
 */
export function upstreamHeaders(rawHeaders, peer, token) {
  const headers = {};
  const connectionListed = new Set();
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if (rawHeaders[i].toLowerCase() === "connection") {
      for (const t of rawHeaders[i + 1].split(",")) connectionListed.add(t.trim().toLowerCase());
    }
  }
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i];
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower) || connectionListed.has(lower) || isPlatformHeader(lower)) continue;
    const value = rawHeaders[i + 1];
    headers[lower] = lower in headers ? `${headers[lower]}, ${value}` : value;
  }
  // No Accept-Encoding means "any coding" (RFC 9110 §12.5.3), and miniflare then answers with
  // brotli, which clients that send none (curl, lua-resty-http bouncers) cannot read.
  headers["accept-encoding"] ??= "identity";
  headers["cf-connecting-ip"] = peer;
  headers["mf-cf-blob"] = JSON.stringify({ tlsClientAuth: { certPresented: "0" } });
  headers["x-rampart-local-front"] = token;
  return headers;
}

/**
 * Starts the proxy on host:port in front of the Worker at upstreamHost:upstreamPort; resolves to
 * the listening server.
 */
export function startLocalFront({ host, port, upstreamHost, upstreamPort, token }) {
  const server = createServer((req, res) => {
    const upstream = httpRequest(
      {
        host: upstreamHost,
        port: upstreamPort,
        method: req.method,
        path: req.url,
        headers: upstreamHeaders(req.rawHeaders, peerAddress(req.socket), token),
      },
      (up) => {
        const out = {};
        for (const [name, value] of Object.entries(up.headers)) {
          if (!HOP_BY_HOP.has(name) && value !== undefined) out[name] = value;
        }
        res.writeHead(up.statusCode ?? 502, out);
        up.pipe(res);
      },
    );
    upstream.on("error", () => {
      if (res.headersSent) return res.destroy();
      res.writeHead(502, { "content-type": "application/json; charset=utf-8" });
      res.end(JSON.stringify({ message: "the local LAPI worker is not answering" }));
    });
    req.on("error", () => upstream.destroy());
    req.pipe(upstream);
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host, port, exclusive: true }, () => resolve(server));
  });
}
