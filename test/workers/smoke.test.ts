import { describe, expect, it } from "vitest";
import { ADMIN, AGENT_UA, bouncerKey, call, jsonInit, machineToken } from "./helpers";

describe("LAPI basics", () => {
  it("answers /health with status up", async () => {
    const r = await call("/health");
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ status: "up" });
  });

  it("answers unknown paths 404 and wrong methods 405 with empty bodies", async () => {
    expect((await call("/nope")).status).toBe(404);
    const r = await call("/v1/heartbeat", { method: "POST" });
    expect(r.status).toBe(405);
    expect(await r.text()).toBe("");
    expect((await call("/v1/heartbeat", { method: "HEAD" })).status).toBe(405);
  });

  it("registers, refuses an unvalidated login, then logs in once validated", async () => {
    const reg = await call("/v1/watchers", jsonInit("POST", { machine_id: "m1", password: "pw" }));
    expect(reg.status).toBe(201);
    const denied = await call(
      "/v1/watchers/login",
      jsonInit("POST", { machine_id: "m1", password: "pw" }, AGENT_UA),
    );
    expect(denied.status).toBe(401);
    expect(await denied.json()).toEqual({ code: 401, message: "machine m1 not validated" });
    await call("/admin/v1/machines/m1/validate", { method: "POST", headers: ADMIN });
    const ok = await call(
      "/v1/watchers/login",
      jsonInit("POST", { machine_id: "m1", password: "pw" }, AGENT_UA),
    );
    expect(ok.status).toBe(200);
    const body = (await ok.json()) as { code: number; token: string; expire: string };
    expect(body.code).toBe(200);
    const hb = await call("/v1/heartbeat", { headers: { Authorization: `Bearer ${body.token}` } });
    expect(hb.status).toBe(200);
  });

  it("streams nothing to a new bouncer as null lists", async () => {
    const key = await bouncerKey("b-smoke");
    const r = await call("/v1/decisions/stream?startup=true", { headers: { "X-Api-Key": key } });
    expect(r.status).toBe(200);
    expect(await r.text()).toBe('{"deleted":null,"new":null}');
    const live = await call("/v1/decisions?ip=1.2.3.4", { headers: { "X-Api-Key": key } });
    expect(await live.text()).toBe("null");
  });

  it("gives a machine token usable on JWT routes", async () => {
    const token = await machineToken("agent-smoke");
    const hb = await call("/v1/heartbeat", { headers: { Authorization: `Bearer ${token}` } });
    expect(hb.status).toBe(200);
    // The route checks the signature: the same claims signed otherwise are refused.
    const [header, claims] = token.split(".");
    const forged = `${header}.${claims}.${"A".repeat(43)}`;
    const refused = await call("/v1/heartbeat", { headers: { Authorization: `Bearer ${forged}` } });
    expect(refused.status).toBe(401);
  });
});

describe("admin API conflicts", () => {
  it("answers 409 for a machine or bouncer name that exists", async () => {
    const body = { machine_id: "dup-machine", password: "pw" };
    expect((await call("/admin/v1/machines", jsonInit("POST", body, ADMIN))).status).toBe(201);
    const again = await call("/admin/v1/machines", jsonInit("POST", body, ADMIN));
    expect(again.status).toBe(409);
    expect(await again.json()).toEqual({ message: "user 'dup-machine': user already exist" });
    expect(
      (await call("/admin/v1/bouncers", jsonInit("POST", { name: "dup-b" }, ADMIN))).status,
    ).toBe(201);
    const b = await call("/admin/v1/bouncers", jsonInit("POST", { name: "dup-b" }, ADMIN));
    expect(b.status).toBe(409);
    expect(await b.json()).toEqual({ message: "bouncer dup-b already exists" });
  });
});
