import { describe, expect, it } from "vitest";
import { findToken, issueToken, verifyToken } from "./jwt";

const secret = new TextEncoder().encode("s".repeat(64));
const now = Date.UTC(2026, 10, 21, 5, 0, 0);

describe("machine JWT", () => {
  it("issues a token whose expire is one hour later in RFC3339 seconds", async () => {
    const t = await issueToken(secret, "m1", now);
    expect(t.expire).toBe("2026-11-21T06:00:00Z");
    expect(await verifyToken(secret, t.token, now)).toEqual({ ok: true, machineId: "m1" });
  });

  it("rejects an expired token with golang-jwt's message", async () => {
    const t = await issueToken(secret, "m1", now);
    expect(await verifyToken(secret, t.token, now + 3601_000)).toEqual({
      ok: false,
      message: "Token is expired",
    });
  });

  it("accepts an expired token for refresh within the refresh window only", async () => {
    const t = await issueToken(secret, "m1", now);
    expect((await verifyToken(secret, t.token, now + 1800_000, true)).ok).toBe(true);
    expect((await verifyToken(secret, t.token, now + 7300_000, true)).ok).toBe(false);
  });

  it("rejects a forged signature, alg:none and bad segment counts", async () => {
    const t = await issueToken(new TextEncoder().encode("x".repeat(64)), "m1", now);
    expect(await verifyToken(secret, t.token, now)).toEqual({
      ok: false,
      message: "signature is invalid",
    });
    const none = `${btoa('{"alg":"none","typ":"JWT"}')}.${btoa('{"id":"m1"}')}.`;
    expect(await verifyToken(secret, none, now)).toEqual({
      ok: false,
      message: "invalid signing algorithm",
    });
    expect(await verifyToken(secret, "abc", now)).toEqual({
      ok: false,
      message: "token contains an invalid number of segments",
    });
  });

  it("finds the token in the header, the query or the jwt cookie", () => {
    expect(
      findToken(new Request("http://x/", { headers: { Authorization: "Bearer a.b.c" } })),
    ).toBe("a.b.c");
    expect(findToken(new Request("http://x/?token=q"))).toBe("q");
    expect(findToken(new Request("http://x/", { headers: { Cookie: "a=1; jwt=z" } }))).toBe("z");
    expect(findToken(new Request("http://x/", { headers: { Authorization: "Basic x" } }))).toBe(
      null,
    );
  });
});
