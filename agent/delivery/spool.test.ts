import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { WireEvent } from "../../src/shared/ingest-wire.js";
import { tempDir } from "../../test/support/acquisition.js";
import { bucketsDigest, Spool } from "./spool.js";

const event = (id: string): WireEvent => ({
  id,
  time: 1,
  buckets: [{ scenario: "s", hash: "0".repeat(64), group: "" }],
  event: { Line: { Raw: id } },
});
const lines = (events: WireEvent[]) => events.map((e) => JSON.stringify(e));

describe("Spool", () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => {
    for (const cleanup of cleanups.splice(0)) cleanup();
  });
  const dir = () => {
    const d = tempDir();
    cleanups.push(d.cleanup);
    return d.dir;
  };

  it("numbers a previous run's segments in order and indexes their event ids", async () => {
    const d = dir();
    const before = Spool.open(d, { maxBytes: 1 << 20 });
    const a = [event("a1"), event("a2")];
    const b = [event("b1")];
    await before.append(a, lines(a), 7);
    await before.append(b, lines(b), 8);
    const spool = Spool.open(d, { maxBytes: 1 << 20 });
    expect(spool.head()!.lastSeq).toBeNull();
    const { events, lastSeq } = await spool.indexPrevious();
    expect(lastSeq).toBe(3);
    expect([...events].map(([id, e]) => [id, e.seq])).toEqual([
      ["a1", 1],
      ["a2", 2],
      ["b1", 3],
    ]);
    expect(events.get("b1")!.buckets).toBe(bucketsDigest(b[0]!.buckets));
    expect(bucketsDigest([{ scenario: "other", hash: "0".repeat(64), group: "" }])).not.toBe(
      events.get("b1")!.buckets,
    );
    expect(spool.head()!.lastSeq).toBe(2);
    expect(spool.events).toBe(3);
    const c = [event("c1")];
    const appended = await spool.append(c, lines(c), 4);
    expect(appended.lastSeq).toBe(4);
  });

  it("keeps segments in order and counts their bytes and events", async () => {
    const spool = Spool.open(dir(), { maxBytes: 1 << 20 });
    const a = [event("a1"), event("a2")];
    const b = [event("b1")];
    await spool.append(a, lines(a), 2);
    await spool.append(b, lines(b), 3);
    expect(spool.events).toBe(3);
    expect(spool.bytes).toBe(lines([...a, ...b]).join("\n").length + 1);
    const head = spool.head()!;
    expect((await spool.load(head)).events.map((e) => e.id)).toEqual(["a1", "a2"]);
    await spool.remove(head);
    expect(spool.head()!.lastSeq).toBe(3);
    expect(spool.events).toBe(1);
  });

  it("reopens the segments a previous run left, in order, and drops half-written ones", async () => {
    const path = dir();
    const first = Spool.open(path, { maxBytes: 1 << 20 });
    for (const n of [1, 2, 3]) {
      const events = [event(`e${n}`)];
      await first.append(events, lines(events), n);
    }
    writeFileSync(join(path, "seg-0000000000000004.ndjson.tmp"), "{torn");
    const second = Spool.open(path, { maxBytes: 1 << 20 });
    expect(second.segmentCount).toBe(3);
    expect(existsSync(join(path, "seg-0000000000000004.ndjson.tmp"))).toBe(false);
    const ids: string[] = [];
    while (second.head()) {
      const head = second.head()!;
      expect(head.lastSeq).toBeNull();
      ids.push(...(await second.load(head)).events.map((e) => e.id));
      await second.remove(head);
    }
    expect(ids).toEqual(["e1", "e2", "e3"]);
    expect(readdirSync(path)).toEqual([]);
    const more = [event("e4")];
    await second.append(more, lines(more), 1);
    expect(second.head()!.path).toMatch(/seg-0000000000000004\.ndjson$/);
  });

  it("is full at max_bytes and releases waiters when a segment is delivered", async () => {
    const big = [event("x".repeat(200))];
    const spool = Spool.open(dir(), { maxBytes: 64 * 1024 });
    let n = 0;
    while (!spool.full) await spool.append(big, lines(big), ++n);
    let released = false;
    const waiting = spool.waitForSpace().then(() => {
      released = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(released).toBe(false);
    await spool.remove(spool.head()!);
    await waiting;
    expect(released).toBe(true);
  });

  it("returns unparseable lines of a segment instead of dropping them", async () => {
    const path = dir();
    writeFileSync(
      join(path, "seg-0000000000000001.ndjson"),
      `${JSON.stringify(event("ok"))}\nnot json\n`,
    );
    const spool = Spool.open(path, { maxBytes: 1 << 20 });
    const loaded = await spool.load(spool.head()!);
    expect(loaded.events.map((e) => e.id)).toEqual(["ok"]);
    expect(loaded.corrupt).toEqual(["not json"]);
  });

  it("keeps only the newest segments in memory and reads older ones back from disk", async () => {
    const spool = Spool.open(dir(), { maxBytes: 1 << 20, memorySegments: 1 });
    for (const n of [1, 2, 3]) {
      const events = [event(`m${n}`)];
      await spool.append(events, lines(events), n);
    }
    const head = spool.head()!;
    await spool.remove(head);
    const second = spool.head()!;
    expect(second.events).toBeNull();
    expect((await spool.load(second)).events.map((e) => e.id)).toEqual(["m2"]);
  });
});
