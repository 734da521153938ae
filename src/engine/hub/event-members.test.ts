import { describe, expect, it } from "vitest";
import { checkEventMembers } from "./event-members.js";

describe("load-time check of evt members (expr.Env(types.Event))", () => {
  it.each([
    "evt.Meta.log_type == 'ssh'",
    "evt.Parsed.x contains 'a' && evt.Line.Raw != ''",
    "evt.Line.Labels.type == 'syslog'",
    "evt.Overflow.Alert.Remediation == true",
    "evt.SetMeta('cve', 'x') && evt.GetType() == 'log'",
    "any(evt.Unmarshaled.list, {#.Whatever == 1})",
    "evt.Time.Hour() > 3",
  ])("accepts %j", (source) => {
    expect(checkEventMembers(source)).toBeNull();
  });

  it("refuses a field Event does not have, with position and caret", () => {
    const error = checkEventMembers("evt.Meta.a == 'b' && evt.Metas.x == 'y'");
    expect(error?.message).toBe("type types.Event has no field Metas (1:26)");
    expect(error?.snippet()).toContain("^");
  });

  it("refuses an unknown method and an unknown Line member", () => {
    expect(checkEventMembers("evt.SetEnriched('a', 'b')")?.reason).toBe(
      "type types.Event has no method SetEnriched",
    );
    expect(checkEventMembers("evt.Line.Rawline == ''")?.reason).toBe(
      "type types.Line has no field Rawline",
    );
  });
});
