import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { alert, auth, decision, getJson, mustPost, postAlerts } from "./alerts-fixtures";

describe("POST /v1/alerts", () => {
  it("stores an alert with decisions and returns its id as a string", async () => {
    const h = await auth();
    const ids = await mustPost(h, [alert({ decisions: [decision()] })]);
    expect(ids).toHaveLength(1);
    expect(ids[0]).toMatch(/^\d+$/);
    const r = await getJson(`/v1/alerts/${ids[0]}`, h);
    expect(r.status).toBe(200);
    console.log(r.text);
  });
});
