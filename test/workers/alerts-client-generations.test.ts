import { describe, expect, it } from "vitest";
import { isCrowdsecClientBefore } from "../../src/lapi/client-version";
import { alert, auth, decision, getJson, mustPost } from "./alerts-fixtures";

describe("include_capi=false per client generation", () => {
  it("keeps only crowdsec/cscli decisions for 1.4.x clients and hides only CAPI/lists for later ones", async () => {
    const h = await auth("generations");
    await mustPost(h, [
      alert({ scenario: "gen/cscli", decisions: [decision({ value: "192.0.2.61" })] }),
      alert({
        scenario: "gen/import",
        decisions: [decision({ value: "192.0.2.62", origin: "cscli-import" })],
      }),
      alert({
        scenario: "gen/capi",
        decisions: [decision({ value: "192.0.2.63", origin: "CAPI" })],
      }),
    ]);
    const scenarios = async (ua: string) => {
      const r = await getJson("/v1/alerts?include_capi=false&limit=0", { ...h, "User-Agent": ua });
      return (r.body as Array<{ scenario: string }>)
        .map((a) => a.scenario)
        .filter((s) => s.startsWith("gen/"))
        .sort();
    };
    expect(await scenarios("crowdsec/v1.4.6-debian-pragmatic")).toEqual(["gen/cscli"]);
    expect(await scenarios("crowdsec/v1.6.3-rpm")).toEqual(["gen/cscli", "gen/import"]);
    expect(await scenarios("curl/8.0")).toEqual(["gen/cscli", "gen/import"]);
  });

  it("reads the CrowdSec version from the User-Agent", () => {
    expect(isCrowdsecClientBefore("crowdsec/v1.4.6-debian", [1, 5, 5])).toBe(true);
    expect(isCrowdsecClientBefore("crowdsec/v1.5.5", [1, 5, 5])).toBe(false);
    expect(isCrowdsecClientBefore("crowdsec/v1.10.0", [1, 5, 5])).toBe(false);
    expect(isCrowdsecClientBefore("crowdsec-firewall-bouncer/v0.0.25", [1, 5, 5])).toBe(false);
    expect(isCrowdsecClientBefore(undefined, [1, 5, 5])).toBe(false);
  });
});
