import { describe, expect, it } from "vitest";
import { type IndexedBlock, IpBlockIndex } from "./ip-block-index";
import { parseIpOrRange, rangeContains } from "./ip-range";

function block(id: number, value: string): IndexedBlock & { value: string } {
  const r = parseIpOrRange(value)!;
  return { id, size: r.size, prefix: r.prefix, start: r.start, value };
}

/** Tiny deterministic PRNG so failures replay. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe("IpBlockIndex", () => {
  it("finds exactly the stored blocks that contain a query, like a brute-force scan", () => {
    const rand = rng(7);
    const values: string[] = [];
    for (let i = 0; i < 400; i++) {
      const a = () => Math.floor(rand() * 4);
      if (i % 3 === 0) values.push(`10.${a()}.${a()}.${a()}`);
      else if (i % 3 === 1) values.push(`10.${a()}.${a()}.0/${[8, 16, 24, 30][a()]}`);
      else values.push(`2001:db8:${a()}::${a()}/${[32, 48, 64, 128][a()]}`);
    }
    const index = new IpBlockIndex<IndexedBlock & { value: string }>();
    values.forEach((v, i) => {
      index.upsert(block(i, v));
    });
    index.remove(5);
    index.remove(6);
    const queries = ["10.1.2.3", "10.0.0.0/24", "10.3.3.3/32", "2001:db8:1::1", "2001:db8:2::/64"];
    for (const q of queries) {
      const qr = parseIpOrRange(q)!;
      const want = values
        .map((v, i) => ({ v, i }))
        .filter(({ v, i }) => i !== 5 && i !== 6 && rangeContains(parseIpOrRange(v)!, qr))
        .map(({ i }) => i)
        .sort((x, y) => x - y);
      const got = index
        .containing(qr)
        .map((b) => b.id)
        .sort((x, y) => x - y);
      expect(got, q).toEqual(want);
    }
  });

  it("replaces an entry upserted twice under the same id", () => {
    const index = new IpBlockIndex<IndexedBlock & { value: string }>();
    index.upsert(block(1, "192.0.2.1"));
    index.upsert(block(1, "192.0.2.2"));
    expect(index.size).toBe(1);
    expect(index.containing(parseIpOrRange("192.0.2.1")!)).toEqual([]);
    expect(index.containing(parseIpOrRange("192.0.2.2")!)).toHaveLength(1);
  });
});
