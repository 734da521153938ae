import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig } from "./config.js";

function dir(): string {
  return mkdtempSync(join(tmpdir(), "rampart-cli-config-"));
}

describe("loadConfig", () => {
  it("defaults to the local stack and finds .dev.vars' ADMIN_TOKEN next to wrangler.toml", () => {
    const root = dir();
    writeFileSync(join(root, "wrangler.toml"), "");
    writeFileSync(join(root, ".dev.vars"), 'JWT_SECRET="x"\nADMIN_TOKEN="local-token"\n');
    mkdirSync(join(root, "sub"));
    const c = loadConfig({ env: { HOME: root }, cwd: join(root, "sub") });
    expect(c.url).toBe("http://127.0.0.1:8080/");
    expect(c.adminToken).toBe("local-token");
    expect(c.adminTokenSource).toBe(join(root, ".dev.vars"));
  });

  it("never sends the local .dev.vars token to a remote LAPI", () => {
    const root = dir();
    writeFileSync(join(root, "wrangler.toml"), "");
    writeFileSync(join(root, ".dev.vars"), "ADMIN_TOKEN=local-token\n");
    const c = loadConfig({
      env: { HOME: root, RAMPART_URL: "https://lapi.example.com" },
      cwd: root,
    });
    expect(c.url).toBe("https://lapi.example.com/");
    expect(c.adminToken).toBeUndefined();
  });

  it("layers config file < credentials file < environment < --url", () => {
    const root = dir();
    const creds = join(root, "local_api_credentials.yaml");
    writeFileSync(creds, "url: http://10.0.0.1:8080/\nlogin: agent\npassword: secret\n");
    const file = join(root, "config.yaml");
    writeFileSync(
      file,
      `url: http://10.0.0.9/\nadmin_token: from-file\ncredentials_file: ${creds}\nhub_dir: /hub\n`,
    );
    const c = loadConfig({
      env: { HOME: root, RAMPART_PASSWORD: "from-env" },
      cwd: root,
      configPath: file,
    });
    expect(c).toMatchObject({
      url: "http://10.0.0.1:8080/",
      adminToken: "from-file",
      machineId: "agent",
      password: "from-env",
      hubDir: "/hub",
    });
    expect(
      loadConfig({ env: { HOME: root }, cwd: root, configPath: file, url: "http://x:1" }).url,
    ).toBe("http://x:1/");
  });

  it("names the file and key of a bad config", () => {
    const root = dir();
    const file = join(root, "config.yaml");
    writeFileSync(file, "url: 12\n");
    expect(() => loadConfig({ env: { HOME: root }, cwd: root, configPath: file })).toThrow(
      `config file '${file}': url: Expected string, received number`,
    );
    writeFileSync(file, "colour: red\n");
    expect(() => loadConfig({ env: { HOME: root }, cwd: root, configPath: file })).toThrow(
      /Unrecognized key\(s\) in object: 'colour'/,
    );
    expect(() =>
      loadConfig({ env: { HOME: root }, cwd: root, configPath: join(root, "nope.yaml") }),
    ).toThrow(/cannot read config file/);
  });

  it("rejects an invalid URL", () => {
    expect(() => loadConfig({ env: { HOME: dir(), RAMPART_URL: "not a url" }, cwd: "/" })).toThrow(
      "invalid LAPI URL 'not a url'",
    );
  });
});
