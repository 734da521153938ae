import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { streamObjects } from "./stream-objects";

/** A body delivered in the given pieces (split points in UTF-8 bytes, possibly mid-character). */
function bodyOf(text: string, cuts: number[]): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const pieces: Uint8Array[] = [];
  let from = 0;
  for (const p of [...points, bytes.length]) {
    if (p > from) pieces.push(bytes.slice(from, p));
    from = Math.max(from, p);
  }
  return new ReadableStream({
    start(controller) {
      for (const p of pieces) controller.enqueue(p);
      controller.close();
    },
  });
}

async function collect(body: ReadableStream<Uint8Array>) {
  const out: { list: string; value: unknown }[] = [];
  for await (const item of streamObjects(body)) out.push(item);
  return out;
}

const decision = fc.record({
  duration: fc.constantFrom("3h59m59.696236348s", "-1.016174896s", "45s"),
  id: fc.nat(),
  origin: fc.constantFrom("cscli", "CAPI", "crowdsec"),
  // Scenario text with everything that could confuse a brace counter.
  scenario: fc.string({
    unit: fc.constantFrom("a", "{", "}", "[", "]", '"', "\\", ",", ":", "é", "💥", " "),
  }),
  scope: fc.constantFrom("Ip", "Range"),
  type: fc.constantFrom("ban", "captcha"),
  value: fc.constantFrom("1.2.3.4", "2001:db8::/64"),
});

describe("incremental decision stream reader", () => {
  it("yields exactly the objects JSON.parse sees, however the body is chunked", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.option(fc.array(decision, { maxLength: 8 }), { nil: null }),
        fc.option(fc.array(decision, { maxLength: 8 }), { nil: null }),
        fc.boolean(),
        fc.array(fc.nat({ max: 4000 }), { maxLength: 12 }),
        async (fresh, deleted, deletedFirst, cuts) => {
          const body = deletedFirst ? { deleted, new: fresh } : { new: fresh, deleted };
          const text = JSON.stringify(body, null, cuts.length % 2 === 0 ? undefined : 2);
          const got = await collect(bodyOf(text, cuts));
          const expected = [
            ...(deletedFirst ? (deleted ?? []).map((value) => ({ list: "deleted", value })) : []),
            ...(fresh ?? []).map((value) => ({ list: "new", value })),
            ...(deletedFirst ? [] : (deleted ?? []).map((value) => ({ list: "deleted", value }))),
          ];
          expect(got).toEqual(expected);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("reads CrowdSec 1.4.6's empty answer", async () => {
    expect(await collect(bodyOf('{"deleted":null,"new":null}', []))).toEqual([]);
  });

  it("rejects a truncated body instead of treating it as complete", async () => {
    const text = JSON.stringify({
      new: [
        { id: 1, value: "1.2.3.4" },
        { id: 2, value: "5.6.7.8" },
      ],
    });
    await expect(collect(bodyOf(text.slice(0, -20), []))).rejects.toThrow(/truncated/);
  });
});
