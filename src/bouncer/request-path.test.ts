import { describe, expect, it } from "vitest";
import { compileRemediations, remediationFor } from "./remediation/remediation-rules";
import { canonicalPath, forwardUrl } from "./request-path";

const path = (raw: string) => canonicalPath(new URL(`https://site.test${raw}`).pathname);

describe("canonicalPath", () => {
  it("gives every spelling of /admin one form", () => {
    for (const raw of [
      "/admin",
      "//admin",
      "///admin",
      "/%61dmin",
      "/%2e/admin",
      "/x/../admin",
      "/x/%2E%2E/admin",
      "/./admin",
      "/\\admin",
    ]) {
      expect(path(raw), raw).toBe("/admin");
    }
  });

  it("keeps reserved characters encoded, with upper-case hex, and keeps a trailing slash", () => {
    expect(path("/a%2fb")).toBe("/a%2Fb");
    expect(path("/a%3f/")).toBe("/a%3F/");
    expect(path("/a/b/..")).toBe("/a/");
    expect(path("/")).toBe("/");
    expect(path("/%7euser/%41")).toBe("/~user/A");
  });
});

describe("forwardUrl", () => {
  const origin = "https://origin.internal/app/";

  it("never takes the host from the path", () => {
    for (const raw of [
      "///127.0.0.1:8394/steal",
      "/\\127.0.0.1:8394/steal",
      "//evil.example/steal",
    ]) {
      const url = new URL(`https://site.test${raw}`);
      const target = forwardUrl(url, canonicalPath(url.pathname), origin);
      expect(target.host, raw).toBe("origin.internal");
      expect(target.pathname.startsWith("/app/"), raw).toBe(true);
    }
    const url = new URL("https://site.test///127.0.0.1:8394/steal?x=1");
    expect(forwardUrl(url, canonicalPath(url.pathname), origin).href).toBe(
      "https://origin.internal/app/127.0.0.1:8394/steal?x=1",
    );
  });

  it("forwards to the request's own origin, canonical path, when no origin is configured", () => {
    const url = new URL("https://site.test//x/../%61dmin?q=%2F");
    expect(forwardUrl(url, canonicalPath(url.pathname), null).href).toBe(
      "https://site.test/admin?q=%2F",
    );
    expect(forwardUrl(url, canonicalPath(url.pathname), "https://origin.internal").href).toBe(
      "https://origin.internal/admin?q=%2F",
    );
  });
});

describe("remediationFor on canonical paths", () => {
  const rules = compileRemediations([
    {
      hosts: ["*"],
      path_prefix: "/Admin",
      actions: ["ban"],
      default_action: "ban",
      map: {},
      case_sensitive: false,
    },
    {
      hosts: ["*"],
      path_prefix: "/Exact",
      actions: ["ban"],
      default_action: "ban",
      map: {},
      case_sensitive: true,
    },
  ]);

  it("matches a protected prefix whatever its spelling, case-insensitively by default", () => {
    for (const raw of ["/admin/x", "//admin", "/%61dmin", "/ADMIN", "/x/../Admin"]) {
      expect(remediationFor(rules, "site.test", path(raw), "ban"), raw).toBe("ban");
    }
    expect(remediationFor(rules, "site.test", path("/public"), "ban")).toBe("none");
  });

  it("honours case_sensitive", () => {
    expect(remediationFor(rules, "site.test", path("/Exact/1"), "ban")).toBe("ban");
    expect(remediationFor(rules, "site.test", path("/exact/1"), "ban")).toBe("none");
  });
});
