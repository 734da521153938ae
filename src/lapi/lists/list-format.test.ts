import { describe, expect, it } from "vitest";
import { createListParser, forEachLine, type ListFormat, type ListScope } from "./list-format";

const MIN = { v4: 8, v6: 32 };

function parse(format: ListFormat, scope: ListScope, text: string) {
  const values: string[] = [];
  const p = createListParser(format, scope, MIN, (e) => values.push(e.value));
  for (const line of text.split("\n")) p.line(line);
  return { values, ...p.finish() };
}

describe("list formats", () => {
  it("reads Spamhaus DROP's text form: comments, inline '; SBL' notes, CRLF", () => {
    const drop =
      "; Spamhaus DROP List 2026/12/08\r\n; Copyright\r\n1.10.16.0/20 ; SBL256894\r\n1.19.0.0/16 ; SBL434604\r\n";
    const r = parse("cidr", "Range", drop);
    expect(r.values).toEqual(["1.10.16.0/20", "1.19.0.0/16"]);
    expect(r.badLines).toBe(0);
  });

  it("normalises host bits and IPv4-mapped addresses to the canonical block", () => {
    const r = parse("plain", "Range", "10.1.2.3/24\n::ffff:192.0.2.1\n2001:db8::1/64 # note");
    expect(r.values).toEqual(["10.1.2.0/24", "192.0.2.1/32", "2001:db8::/64"]);
  });

  it("counts every bad line with its number and reason and keeps the good ones apart", () => {
    const r = parse("plain", "Ip", "192.0.2.1\nnot-an-ip\n198.51.100.0/24\n192.0.2.2 192.0.2.3\n");
    expect(r.values).toEqual(["192.0.2.1"]);
    expect(r.badLines).toBe(3);
    expect(r.examples.map((b) => [b.line, b.reason])).toEqual([
      [2, "not an IP address"],
      [3, "a range in a list of scope ip"],
      [4, "more than one value on the line"],
    ]);
  });

  it("refuses a bare address in the cidr format and ranges wider than MIN_DECISION_PREFIX", () => {
    const r = parse("cidr", "Range", "192.0.2.1\n10.0.0.0/7\n");
    expect(r.examples.map((b) => b.reason)).toEqual([
      "not a CIDR block",
      "wider than /8 (MIN_DECISION_PREFIX)",
    ]);
  });

  it("reads the value column of a CSV file, quoted fields included", () => {
    const r = parse("csv", "Ip", 'duration,value,reason\n4h,192.0.2.1,"a, b"\n4h,"192.0.2.2",x\n');
    expect(r.values).toEqual(["192.0.2.1", "192.0.2.2"]);
    expect(parse("csv", "Ip", "a,b\n1,2\n").examples[0]!.reason).toMatch(/no value\/ip/);
  });

  it("checks the Spamhaus JSON metadata count and refuses a truncated file", () => {
    const body = [
      '{"cidr":"1.10.16.0/20","sblid":"SBL256894","rir":"apnic"}',
      '{"cidr":"1.19.0.0/16","sblid":"SBL434604","rir":"apnic"}',
      '{"type":"metadata","timestamp":1765000000,"size":100,"records":2,"copyright":"x"}',
    ];
    expect(parse("spamhaus-json", "Range", body.join("\n")).badLines).toBe(0);
    const truncated = parse("spamhaus-json", "Range", body.slice(0, 2).join("\n"));
    expect(truncated.examples.map((b) => b.reason)).toEqual([
      "no metadata record (truncated file?)",
    ]);
    const miscounted = body.slice(1).join("\n");
    expect(parse("spamhaus-json", "Range", miscounted).examples[0]!.reason).toMatch(
      /metadata says 2 records, the file has 1/,
    );
  });

  it("refuses an empty file rather than emptying the list", () => {
    expect(parse("plain", "Ip", "# only a comment\n\n").examples[0]!.reason).toBe(
      "no entries (empty file)",
    );
  });
});

describe("forEachLine", () => {
  const streamOf = (...parts: (string | Uint8Array)[]) =>
    new ReadableStream<Uint8Array>({
      start(c) {
        for (const p of parts) c.enqueue(typeof p === "string" ? new TextEncoder().encode(p) : p);
        c.close();
      },
    });

  it("joins lines split across chunks and keeps a last line without newline", async () => {
    const lines: string[] = [];
    await forEachLine(streamOf("a\nb", "c\n", "d"), (l) => void lines.push(l), 100);
    expect(lines).toEqual(["a", "bc", "d"]);
  });

  it("stops past the byte cap and on invalid UTF-8", async () => {
    await expect(forEachLine(streamOf("x".repeat(20)), () => {}, 10)).rejects.toThrow(
      "larger than 10 bytes",
    );
    await expect(forEachLine(streamOf(new Uint8Array([0xff, 0x0a])), () => {}, 10)).rejects.toThrow(
      TypeError,
    );
  });
});
