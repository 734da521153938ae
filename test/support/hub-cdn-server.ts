/**
 * A real local HTTP server standing in for the hub CDN, the data host and the patterns host:
 * each route maps a URL prefix to a directory (`/master/` → a hub checkout, `/data/` → the data
 * files, `/patterns/` → grok patterns). `tamper` rewrites a served file (a corrupted mirror);
 * `requests` records every path asked for.
 */
import { readFileSync, statSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join, normalize, relative } from "node:path";

export interface HubCdnRoute {
  /** URL path prefix, with leading and trailing `/` (`/master/`). */
  prefix: string;
  dir: string;
}

export interface HubCdnServer {
  /** `http://127.0.0.1:<port>/` */
  url: string;
  requests: string[];
  /** Rewrites the bytes served for a URL path (undefined: serve the file as is). */
  tamper: Map<string, (bytes: Buffer) => Buffer>;
  close(): Promise<void>;
}

function fileFor(routes: readonly HubCdnRoute[], path: string): string | null {
  for (const route of routes) {
    if (!path.startsWith(route.prefix)) continue;
    const full = normalize(join(route.dir, path.slice(route.prefix.length)));
    if (relative(route.dir, full).startsWith("..")) return null;
    try {
      return statSync(full).isFile() ? full : null;
    } catch {
      return null;
    }
  }
  return null;
}

/** Starts the server on a free port of 127.0.0.1. */
export async function startHubCdn(routes: readonly HubCdnRoute[]): Promise<HubCdnServer> {
  const requests: string[] = [];
  const tamper = new Map<string, (bytes: Buffer) => Buffer>();
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    requests.push(path);
    const file = req.method === "GET" ? fileFor(routes, path) : null;
    if (file === null) {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
      return;
    }
    const bytes = readFileSync(file);
    const body = tamper.get(path)?.(bytes) ?? bytes;
    res.writeHead(200, { "content-length": body.length }).end(body);
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    requests,
    tamper,
    close: () =>
      new Promise((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}
