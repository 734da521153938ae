import { describe, expect, it } from "vitest";
import type { Cursor, FileCursor } from "../acquisition/types.js";
import { CommitTracker, type Committable } from "./commit-tracker.js";

const file = (path: string, offset: number, ino = 1): FileCursor => ({
  kind: "file",
  path,
  dev: 1,
  ino,
  offset,
});

function recorder(): Committable & { commits: Cursor[] } {
  const commits: Cursor[] = [];
  return {
    commits,
    async commit(cursor) {
      commits.push(cursor);
    },
  };
}

describe("CommitTracker", () => {
  it("commits lines without events at once when nothing is in flight", async () => {
    const tracker = new CommitTracker(() => {});
    const source = recorder();
    tracker.observe(source, file("/a", 10), null);
    tracker.observe(source, file("/a", 20), null);
    await tracker.commitReady();
    expect(source.commits).toEqual([file("/a", 20)]);
  });

  it("never lowers a source's bar for a later line carrying an earlier (spooled) seq", async () => {
    const tracker = new CommitTracker(() => {});
    const source = recorder();
    tracker.observe(source, file("/a", 10), 5);
    tracker.nextEpoch();
    tracker.observe(source, file("/a", 20), 3);
    tracker.acknowledge(3);
    await tracker.commitReady();
    expect(source.commits).toEqual([]);
    tracker.acknowledge(5);
    await tracker.commitReady();
    expect(source.commits).toEqual([file("/a", 20)]);
  });

  it("holds a line's cursor until every earlier event of its source is acknowledged", async () => {
    const tracker = new CommitTracker(() => {});
    const source = recorder();
    tracker.observe(source, file("/a", 10), 1);
    tracker.nextEpoch();
    tracker.observe(source, file("/a", 20), null);
    tracker.observe(source, file("/a", 30), 2);
    tracker.nextEpoch();
    tracker.observe(source, file("/a", 40), null);
    await tracker.commitReady();
    expect(source.commits).toEqual([]);
    tracker.acknowledge(1);
    await tracker.commitReady();
    expect(source.commits).toEqual([file("/a", 10)]);
    tracker.acknowledge(2);
    await tracker.commitReady();
    // The line after event 2 produced nothing: it is committed with it.
    expect(source.commits).toEqual([file("/a", 10), file("/a", 40)]);
  });

  it("commits the latest cursor of every file a source read, not only the last line's file", async () => {
    const tracker = new CommitTracker(() => {});
    const source = recorder();
    tracker.observe(source, file("/a", 10), 1);
    tracker.observe(source, file("/b", 5), 2);
    tracker.observe(source, file("/a", 20), null);
    tracker.acknowledge(2);
    await tracker.commitReady();
    expect(source.commits).toHaveLength(2);
    expect(source.commits).toContainEqual(file("/a", 20));
    expect(source.commits).toContainEqual(file("/b", 5));
  });

  it("does not let another source's pending event hold a source back", async () => {
    const tracker = new CommitTracker(() => {});
    const a = recorder();
    const b = recorder();
    tracker.observe(a, file("/a", 10), 1);
    tracker.observe(b, file("/b", 10), null);
    await tracker.commitReady();
    expect(a.commits).toEqual([]);
    expect(b.commits).toEqual([file("/b", 10)]);
  });

  it("never commits past an unacknowledged event even when checkpoints are capped", async () => {
    const tracker = new CommitTracker(() => {}, 2);
    const source = recorder();
    for (let i = 1; i <= 10; i++) {
      tracker.observe(source, file("/a", i * 10), i);
      tracker.nextEpoch();
    }
    expect(tracker.waiting).toBe(2);
    tracker.acknowledge(9);
    await tracker.commitReady();
    // The capped tail absorbed lines 2..10 and waits for event 10.
    expect(source.commits).toEqual([file("/a", 10)]);
    tracker.acknowledge(10);
    await tracker.commitReady();
    expect(source.commits.at(-1)).toEqual(file("/a", 100));
  });

  it("reports a failing commit and goes on with the next source", async () => {
    const errors: unknown[] = [];
    const tracker = new CommitTracker((_, error) => errors.push(error));
    const broken: Committable = {
      commit: () => Promise.reject(new Error("disk full")),
    };
    const ok = recorder();
    tracker.observe(broken, file("/x", 1), null);
    tracker.observe(ok, file("/y", 1), null);
    await tracker.commitReady();
    expect(errors.map(String)).toEqual(["Error: disk full"]);
    expect(ok.commits).toEqual([file("/y", 1)]);
  });
});
