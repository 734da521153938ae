import { execFileSync } from "node:child_process";
import { createSocket } from "node:dgram";
import { connect } from "node:net";
import { afterEach, describe, expect, it, vi } from "vitest";
import { take } from "../../test/support/acquisition.js";
import { createSyslogSource, type SyslogSource } from "./syslog-source.js";

const sources: SyslogSource[] = [];
afterEach(async () => {
  for (const s of sources.splice(0)) await s.close();
});

async function start(maxMessageLen = 2048) {
  const source = createSyslogSource({
    name: "syslog",
    labels: { type: "syslog" },
    listenAddr: "127.0.0.1",
    listenPort: 0,
    protocols: ["udp", "tcp"],
    maxMessageLen,
  });
  sources.push(source);
  const ports = await source.ready;
  return { source, it: source[Symbol.asyncIterator](), udp: ports.udp!, tcp: ports.tcp! };
}

function logger(args: string[]) {
  execFileSync("logger", ["-n", "127.0.0.1", "-t", "sshd", "--id=4242", ...args]);
}

describe("syslog source with the real logger(1) over loopback", () => {
  it("receives RFC 3164 over UDP and rebuilds the line", async () => {
    const { it: lines, udp } = await start();
    logger(["-d", "-P", String(udp), "--rfc3164", "Failed password for root from 1.2.3.4"]);
    const [got] = await take(lines, 1);
    expect(got?.line).toMatch(
      /^[A-Z][a-z]{2} \d{1,2} \d\d:\d\d:\d\d \S+ sshd\[4242\]: Failed password for root from 1\.2\.3\.4$/,
    );
    expect(got).toMatchObject({
      source: "127.0.0.1",
      module: "syslog",
      labels: { type: "syslog" },
    });
  });

  it("receives RFC 5424 over UDP", async () => {
    const { it: lines, udp } = await start();
    logger(["-d", "-P", String(udp), "--rfc5424", "Invalid user admin from 5.6.7.8"]);
    const [got] = await take(lines, 1);
    expect(got?.line).toMatch(/ sshd\[4242\]: Invalid user admin from 5\.6\.7\.8$/);
  });

  it("receives RFC 5424 over TCP with octet counting and RFC 3164 over TCP with LF framing", async () => {
    const { it: lines, tcp } = await start();
    logger(["-T", "-P", String(tcp), "--rfc5424", "--octet-count", "first over tcp"]);
    logger(["-T", "-P", String(tcp), "--rfc3164", "second over tcp"]);
    const got = await take(lines, 2);
    expect(got.map((l) => l.line.replace(/^.* sshd\[4242\]: /, ""))).toEqual([
      "first over tcp",
      "second over tcp",
    ]);
  });
});

describe("syslog source hostile input", () => {
  it("counts and drops oversized, binary, non-UTF-8 and non-syslog datagrams and keeps serving", async () => {
    const { source, it: lines, udp } = await start(512);
    const socket = createSocket("udp4");
    const send = (msg: Buffer | string) =>
      new Promise<void>((resolve) => socket.send(msg, udp, "127.0.0.1", () => resolve()));
    await send(`<13>Nov 21 06:40:12 h sshd: ${"x".repeat(600)}`);
    await send(Buffer.from([0x3c, 0x31, 0x33, 0x3e, 0xff, 0xfe, 0x41]));
    await send(Buffer.from("<13>Nov 21 06:40:12 h sshd: a\u0000b"));
    await send("random garbage");
    await send("<13>Nov 21 06:40:12 h sshd: still alive");
    const [got] = await take(lines, 1);
    socket.close();
    expect(got?.line).toBe("Nov 21 06:40:12 h sshd: still alive");
    expect(source.stats.skipped).toMatchObject({
      tooLong: 1,
      invalidUtf8: 1,
      binary: 1,
      malformed: 1,
    });
  });

  it("skips an oversized LF-framed TCP message up to its newline, then reads the next", async () => {
    const { source, it: lines, tcp } = await start(512);
    const socket = connect(tcp, "127.0.0.1");
    await new Promise((resolve) => socket.once("connect", resolve));
    socket.write(`<13>Nov 21 06:40:12 h sshd: ${"y".repeat(200_000)}`);
    // The source has seen the message outgrow the limit before its end arrives.
    await vi.waitFor(() => expect(source.stats.skipped.tooLong).toBe(1), { interval: 5 });
    socket.write(`${"y".repeat(1000)}\n<13>Nov 21 06:40:13 h sshd: next\n`);
    const [got] = await take(lines, 1);
    socket.destroy();
    expect(got?.line).toBe("Nov 21 06:40:13 h sshd: next");
    expect(source.stats.skipped.tooLong).toBe(1);
  });

  it("bounds memory under a UDP flood by dropping past twice the queue capacity", async () => {
    const source = createSyslogSource({
      name: "flood",
      labels: { type: "syslog" },
      listenAddr: "127.0.0.1",
      listenPort: 0,
      protocols: ["udp"],
      maxMessageLen: 2048,
      queueCapacity: 10,
    });
    sources.push(source);
    const { udp } = await source.ready;
    const socket = createSocket("udp4");
    for (let i = 0; i < 100; i++) {
      await new Promise<void>((resolve) =>
        socket.send(`<13>Nov 21 06:40:12 h sshd: n ${i}`, udp!, "127.0.0.1", () => resolve()),
      );
    }
    // Consume only once every datagram was accounted for (accepted or dropped).
    await vi.waitFor(() => expect(source.stats.read + source.stats.skipped.overflow).toBe(100), {
      timeout: 5000,
      interval: 10,
    });
    socket.close();
    const got = await take(source[Symbol.asyncIterator](), 100, 300);
    expect(got.length).toBe(20);
    expect(source.stats.skipped.overflow).toBe(80);
  });
});
