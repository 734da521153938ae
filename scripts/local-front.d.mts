import type { Server } from "node:http";

/** Whether a client-sent header is one only the platform (or the proxy) may set. */
export function isPlatformHeader(name: string): boolean;

/** Headers for the Worker from a client's raw header list, the TCP peer and the start token. */
export function upstreamHeaders(
  rawHeaders: readonly string[],
  peer: string,
  token: string,
): Record<string, string>;

/** Starts the front proxy; resolves to the listening server. */
export function startLocalFront(options: {
  host: string;
  port: number;
  upstreamHost: string;
  upstreamPort: number;
  token: string;
}): Promise<Server>;
