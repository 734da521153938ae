/**
 * The `syslog` acquisition source: a syslog server on UDP and TCP. Each message is decoded (RFC
 * 3164, then RFC 5424) and rebuilt into the file-like line CrowdSec 1.4.6 produces (see
 * `syslog-message.ts`); `Line.Src` is the client's address. 1.4.6 only listens on UDP; TCP is a
 * Rampart addition with RFC 6587 framing (octet counting `LEN SP MSG`, or LF-terminated).
 * Messages over `maxMessageLen` bytes (1.4.6 default 2048), undecodable ones and invalid UTF-8 are
 * counted and dropped; a TCP client cannot make the server buffer more than one message.
 */
import { createSocket, type Socket } from "node:dgram";
import { createServer, type Server, type Socket as TcpSocket } from "node:net";
import { LineQueue } from "./line-queue.js";
import { decodeLine } from "./line-splitter.js";
import { parseSyslogMessage, rebuildSyslogLine } from "./syslog-message.js";
import { type AcquisitionSource, emptySkipCounters, type LogLine } from "./types.js";

/** Options of a syslog source. */
export interface SyslogSourceOptions {
  name: string;
  labels: Record<string, string>;
  listenAddr: string;
  listenPort: number;
  protocols: readonly ("udp" | "tcp")[];
  maxMessageLen: number;
  queueCapacity?: number;
}

/** A running syslog server; `ready` resolves with the bound ports (port 0 picks a free one). */
export interface SyslogSource extends AcquisitionSource {
  readonly ready: Promise<{ udp: number | null; tcp: number | null }>;
}

/** Starts listening; messages flow once the iterator is consumed. */
export function createSyslogSource(options: SyslogSourceOptions): SyslogSource {
  const capacity = options.queueCapacity ?? 4096;
  const queue = new LineQueue<LogLine>(capacity);
  const stats = { read: 0, skipped: emptySkipCounters() };
  const decoder = new TextDecoder("utf-8", { fatal: true });
  let seq = 0;
  let udp: Socket | null = null;
  let tcp: Server | null = null;
  const clients = new Set<TcpSocket>();

  function accept(bytes: Uint8Array, client: string): void {
    if (bytes.length > options.maxMessageLen) {
      stats.skipped.tooLong++;
      return;
    }
    let end = bytes.length;
    while (end > 0 && (bytes[end - 1] === 0x0a || bytes[end - 1] === 0x0d)) end--;
    const decoded = decodeLine(bytes.subarray(0, end), decoder);
    if (!decoded.ok) {
      stats.skipped[decoded.reason]++;
      return;
    }
    const msg = parseSyslogMessage(decoded.text);
    if (msg === null) {
      stats.skipped.malformed++;
      return;
    }
    // A flood: TCP clients are paused at `capacity` (below); past twice that, messages (UDP ones
    // in practice) are counted and dropped, so memory stays bounded.
    if (queue.size >= 2 * capacity) {
      stats.skipped.overflow++;
      return;
    }
    stats.read++;
    void queue.push({
      line: rebuildSyslogLine(msg, new Date()),
      source: client,
      module: "syslog",
      labels: options.labels,
      time: Date.now(),
      cursor: { kind: "sequence", seq: ++seq },
    });
  }

  function handleTcp(socket: TcpSocket): void {
    clients.add(socket);
    socket.on("close", () => clients.delete(socket));
    socket.on("error", () => socket.destroy());
    const client = socket.remoteAddress ?? "unknown";
    let buf: Buffer = Buffer.alloc(0);
    let skipBytes = 0;
    let skipToNewline = false;
    socket.on("data", (chunk: Buffer) => {
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      while (buf.length > 0) {
        if (skipBytes > 0) {
          const n = Math.min(skipBytes, buf.length);
          skipBytes -= n;
          buf = buf.subarray(n);
          continue;
        }
        if (skipToNewline) {
          const nl = buf.indexOf(0x0a);
          buf = nl === -1 ? Buffer.alloc(0) : buf.subarray(nl + 1);
          skipToNewline = nl === -1;
          continue;
        }
        const first = buf[0]!;
        if (first >= 0x30 && first <= 0x39) {
          // RFC 6587 octet counting: `LEN SP MSG`.
          const sp = buf.indexOf(0x20);
          if (sp === -1 || sp > 10) {
            if (sp > 10 || buf.length > 10) {
              stats.skipped.malformed++;
              socket.destroy();
              return;
            }
            break;
          }
          const len = Number(buf.subarray(0, sp).toString("latin1"));
          if (!Number.isInteger(len)) {
            stats.skipped.malformed++;
            socket.destroy();
            return;
          }
          if (len > options.maxMessageLen) {
            stats.skipped.tooLong++;
            skipBytes = len;
            buf = buf.subarray(sp + 1);
            continue;
          }
          if (buf.length < sp + 1 + len) break;
          accept(buf.subarray(sp + 1, sp + 1 + len), client);
          buf = buf.subarray(sp + 1 + len);
        } else {
          // Non-transparent framing: one message per line.
          const nl = buf.indexOf(0x0a);
          if (nl === -1) {
            if (buf.length > options.maxMessageLen) {
              stats.skipped.tooLong++;
              skipToNewline = true;
              buf = Buffer.alloc(0);
            }
            break;
          }
          accept(buf.subarray(0, nl), client);
          buf = buf.subarray(nl + 1);
        }
      }
      // Backpressure: stop reading from this client until the consumer caught up.
      if (queue.size >= capacity && !socket.isPaused()) {
        socket.pause();
        const resume = setInterval(() => {
          if (queue.size < capacity / 2 || queue.isEnded) {
            clearInterval(resume);
            socket.resume();
          }
        }, 10);
      }
    });
  }

  const ready = (async () => {
    const ports: { udp: number | null; tcp: number | null } = { udp: null, tcp: null };
    if (options.protocols.includes("udp")) {
      const family = options.listenAddr.includes(":") ? "udp6" : "udp4";
      const socket = createSocket({ type: family, recvBufferSize: 4 * 1024 * 1024 });
      udp = socket;
      socket.on("message", (msg, rinfo) => accept(msg, rinfo.address));
      await new Promise<void>((resolve, reject) => {
        socket.once("error", reject);
        socket.bind(options.listenPort, options.listenAddr, () => {
          socket.off("error", reject);
          resolve();
        });
      });
      ports.udp = socket.address().port;
      socket.on("error", (error) => queue.end(error));
    }
    if (options.protocols.includes("tcp")) {
      const server = createServer(handleTcp);
      tcp = server;
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        // Port 0 (tests) lets each protocol pick its own free port.
        server.listen(options.listenPort, options.listenAddr, () => {
          server.off("error", reject);
          resolve();
        });
      });
      server.on("error", (error) => queue.end(error));
      const address = server.address();
      ports.tcp = typeof address === "object" && address ? address.port : null;
    }
    return ports;
  })();
  ready.catch((error: unknown) => queue.end(error));

  return {
    name: options.name,
    stats,
    ready,
    [Symbol.asyncIterator]: () => queue[Symbol.asyncIterator](),
    // Syslog cannot replay: acknowledging is a no-op by design.
    async commit() {},
    async close() {
      queue.end();
      await ready.catch(() => undefined);
      for (const c of clients) c.destroy();
      await Promise.all([
        udp ? new Promise<void>((resolve) => udp!.close(() => resolve())) : null,
        tcp ? new Promise<void>((resolve) => tcp!.close(() => resolve())) : null,
      ]);
    },
  };
}
