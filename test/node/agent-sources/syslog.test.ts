/**
 * The syslog source as the daemon runs it (`source: syslog` in acquis.yaml), fed by the real
 * `logger(1)` from util-linux over loopback: RFC 3164 and RFC 5424, UDP and TCP (LF framing and
 * RFC 6587 octet counting), one message per invocation and streams of messages on one connection;
 * then hostile clients: 1 MiB messages, binary garbage, invalid UTF-8 and a UDP flood larger than
 * the queue.
 */
import { randomBytes } from "node:crypto";
import { createSocket } from "node:dgram";
import { appendFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { SyslogSource } from "../../../agent/acquisition/syslog-source.js";
import { freePort } from "../../oracle/processes.js";
import { sleep, take, tempDir } from "../../support/acquisition.js";
import { numbered, run, startFromYaml } from "./support.js";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function startSyslog(protocol: "udp" | "tcp" | "udp+tcp", maxMessageLen = 2048) {
  const t = tempDir("rampart-syslog-");
  cleanups.push(t.cleanup);
  const port = await freePort();
  const acq = startFromYaml(
    [
      "source: syslog",
      "listen_addr: 127.0.0.1",
      `listen_port: ${port}`,
      `protocol: ${protocol}`,
      `max_message_len: ${maxMessageLen}`,
      "labels: {type: syslog}",
    ].join("\n"),
    t.dir,
  );
  cleanups.push(() => acq.running.close());
  const source = acq.running.sources[0] as SyslogSource;
  await source.ready;
  return { ...acq, source, port, dir: t.dir };
}

/** `logger` to our server; `args` picks the transport and format. */
function logger(port: number, args: string[], input?: string) {
  return run(
    "logger",
    ["--server", "127.0.0.1", "--port", String(port), "-t", "sshd", "--id=4242", ...args],
    input,
  );
}

const body = (text: string) => text.replace(/^.* sshd\[4242\]: /, "");
const STAMP = /^[A-Z][a-z]{2} {1,2}\d{1,2} \d\d:\d\d:\d\d \S+ sshd\[4242\]: /;

describe("syslog source fed by logger(1) over loopback", () => {
  const cases = [
    { transport: "--udp", format: "--rfc3164" },
    { transport: "--udp", format: "--rfc5424" },
    { transport: "--tcp", format: "--rfc3164" },
    { transport: "--tcp", format: "--rfc5424" },
  ] as const;
  for (const { transport, format } of cases) {
    it(`rebuilds a ${format.slice(2)} message sent over ${transport.slice(2)} into CrowdSec's line`, async () => {
      const { lines, port, source } = await startSyslog("udp+tcp");
      await logger(port, [transport, format, "Failed password for root from 192.0.2.7 port 22"]);
      const [got] = await take(lines, 1, 5000, "idle");
      expect(got?.line.line).toMatch(STAMP);
      expect(body(got!.line.line)).toBe("Failed password for root from 192.0.2.7 port 22");
      expect(got?.line).toMatchObject({
        source: "127.0.0.1",
        module: "syslog",
        labels: { type: "syslog" },
        cursor: { kind: "sequence" },
      });
      expect(source.stats.skipped).toEqual({
        tooLong: 0,
        invalidUtf8: 0,
        binary: 0,
        malformed: 0,
        overflow: 0,
      });
    });
  }

  it("delivers 5,000 messages streamed over one TCP connection in order, each once (octet counting)", async () => {
    const { lines, port } = await startSyslog("tcp");
    await logger(port, ["--tcp", "--rfc5424", "--octet-count"], numbered(0, 5000, "msg"));
    const got = await take(lines, 5001, 2000, "idle");
    expect(got.map((l) => body(l.line.line))).toEqual(
      numbered(0, 5000, "msg").trimEnd().split("\n"),
    );
  });

  it("delivers messages streamed over one TCP connection with LF framing (RFC 3164)", async () => {
    const { lines, port } = await startSyslog("tcp");
    await logger(port, ["--tcp", "--rfc3164"], numbered(0, 500, "lf"));
    const got = await take(lines, 501, 2000, "idle");
    expect(got.map((l) => body(l.line.line))).toEqual(numbered(0, 500, "lf").trimEnd().split("\n"));
  });
});

describe("syslog source under hostile clients", () => {
  it("skips a 1 MiB message on a TCP connection and reads the next one on the same connection", async () => {
    const { lines, port, source } = await startSyslog("tcp");
    const huge = "A".repeat(1024 * 1024);
    // One logger run, one connection: before, the 1 MiB line, after.
    await logger(
      port,
      ["--tcp", "--rfc5424", "--octet-count", "--size", String(2 * 1024 * 1024)],
      `before\n${huge}\nafter\n`,
    );
    const got = await take(lines, 3, 1500, "idle");
    expect(got.map((l) => body(l.line.line))).toEqual(["before", "after"]);
    expect(source.stats.skipped.tooLong).toBe(1);
  });

  it("counts binary garbage, invalid UTF-8 and non-syslog datagrams as skipped and keeps serving", async () => {
    const { lines, port, source } = await startSyslog("udp");
    const socket = createSocket("udp4");
    const send = (msg: Buffer | string) =>
      new Promise<void>((resolve) => socket.send(msg, port, "127.0.0.1", () => resolve()));
    // Random bytes with a NUL planted (binary), a valid header with invalid UTF-8 after it, and
    // printable text that is not syslog.
    const garbage = randomBytes(512);
    garbage[100] = 0;
    await send(garbage);
    await send(Buffer.concat([Buffer.from("<13>Nov 21 06:40:12 h sshd: "), Buffer.from([0xc3])]));
    await send("this is not a syslog message");
    await send(`<13>Nov 21 06:40:12 h sshd: ${"x".repeat(3000)}`);
    socket.close();
    await logger(port, ["--udp", "--rfc3164", "still alive"]);
    const [got] = await take(lines, 1, 5000, "idle");
    expect(body(got!.line.line)).toBe("still alive");
    expect(source.stats.skipped).toMatchObject({
      binary: 1,
      invalidUtf8: 1,
      malformed: 1,
      tooLong: 1,
    });
    expect(source.stats.read).toBe(1);
  });

  it("pauses a TCP client flooding faster than it is consumed, then delivers every message once", async () => {
    const { lines, port, source, dir } = await startSyslog("tcp");
    const sent = 50_000;
    const floodFile = join(dir, "tcp-flood.txt");
    for (let i = 0; i < sent; i += 1000) appendFileSync(floodFile, numbered(i, i + 1000, "tcp"));
    // One connection; logger blocks once the server stops reading (TCP flow control).
    const sending = logger(port, ["--tcp", "--rfc5424", "--octet-count", "--file", floodFile]);
    await sleep(1500);
    // Nobody consumed yet: reading stopped near the queue capacity (4096) plus the runner's
    // queue (1024) and one socket chunk, instead of buffering the flood.
    expect(source.stats.read).toBeLessThan(4096 + 1024 + 4000);
    expect(source.stats.read).toBeLessThan(sent);
    const got = await take(lines, sent, 5000, "idle");
    await sending;
    expect(got.map((l) => body(l.line.line))).toEqual(
      numbered(0, sent, "tcp").trimEnd().split("\n"),
    );
    expect(source.stats.skipped.overflow).toBe(0);
  }, 60_000);

  it("drops a UDP flood past the bounded queue, counts the drops, and keeps memory flat", async () => {
    const { lines, port, source, dir } = await startSyslog("udp");
    const sent = 100_000;
    // ~1 KiB per message: 100 MB on the wire, far more than the queue may hold. Written to a file
    // in slices so the test's own buffers do not count in the RSS measured below.
    const floodFile = join(dir, "flood.txt");
    const filler = "f".repeat(900);
    for (let i = 0; i < sent; i += 1000) {
      let slice = "";
      for (let j = i; j < i + 1000; j++) slice += `flood ${filler} ${j}\n`;
      appendFileSync(floodFile, slice);
    }
    const rssBefore = process.memoryUsage().rss;
    // Nobody consumes while the flood runs: the source must not buffer it.
    await logger(port, ["--udp", "--rfc3164", "--file", floodFile]);
    // Wait until the last datagrams in the socket buffer were handled.
    let accounted = -1;
    while (source.stats.read + source.stats.skipped.overflow !== accounted) {
      accounted = source.stats.read + source.stats.skipped.overflow;
      await sleep(200);
    }
    const rssGrowth = process.memoryUsage().rss - rssBefore;
    const { read, skipped } = source.stats;
    // The source queue holds at most twice its capacity (4096) and the runner's merged queue 1024.
    expect(read).toBeLessThanOrEqual(2 * 4096 + 1024 + 1);
    expect(skipped.overflow).toBeGreaterThan(0);
    expect(read + skipped.overflow).toBeLessThanOrEqual(sent);
    expect(rssGrowth).toBeLessThan(96 * 1024 * 1024);
    // Every accepted message is delivered, then the server still answers.
    const drained = await take(lines, read, 2000, "idle");
    expect(drained.length).toBe(read);
    await logger(port, ["--udp", "--rfc3164", "after the flood"]);
    const [next] = await take(lines, 1, 5000, "idle");
    expect(body(next!.line.line)).toBe("after the flood");
  }, 60_000);
});
