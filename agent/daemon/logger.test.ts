import { describe, expect, it } from "vitest";
import { createLogger } from "./logger.js";

const now = () => new Date("2026-01-02T03:04:05.678Z");

function capture(format: "json" | "logfmt", level: "info" | "debug" = "info") {
  const lines: string[] = [];
  const log = createLogger({ level, format, now, write: (line) => lines.push(line) });
  return { log, lines };
}

describe("daemon logger", () => {
  it("writes logrus-ordered logfmt lines, quoting values with spaces or quotes", () => {
    const { log, lines } = capture("logfmt");
    log.with({ source: "file" }).warn("read failed", { path: "/var/log/a b.log", n: 3 });
    expect(lines).toEqual([
      'time=2026-01-02T03:04:05.678Z level=warn msg="read failed" source=file path="/var/log/a b.log" n=3\n',
    ]);
  });

  it("writes one JSON object per record with errors as their message", () => {
    const { log, lines } = capture("json");
    log.error("post failed", { err: new Error("connection refused"), batch: 7 });
    expect(lines).toHaveLength(1);
    expect(lines[0]?.endsWith("\n")).toBe(true);
    expect(JSON.parse(lines[0] ?? "")).toEqual({
      time: "2026-01-02T03:04:05.678Z",
      level: "error",
      msg: "post failed",
      err: "connection refused",
      batch: 7,
    });
  });

  it("drops records below the configured level", () => {
    const { log, lines } = capture("json");
    log.debug("noise");
    log.info("kept");
    expect(lines.map((l) => JSON.parse(l).msg)).toEqual(["kept"]);
  });
});
