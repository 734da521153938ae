import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { tempDir } from "../../test/support/acquisition.js";
import { ConfigError } from "../config/config-error.js";
import { entryFromDsn, loadAcquisition, parseAcquisition } from "./acquisition-config.js";
import { OffsetStore } from "./offset-store.js";
import { createSource, describeEntry, sourceRegistry } from "./source-registry.js";

const FILE = "/etc/rampart/acquis.yaml";

const installed = `filenames:
  - /var/log/nginx/*.log
labels:
  type: nginx
---
filenames:
  - /var/log/auth.log
  - /var/log/syslog
labels:
  type: syslog
---
source: journalctl
journalctl_filter:
  - "_SYSTEMD_UNIT=ssh.service"
labels:
  type: syslog
---
source: syslog
listen_addr: 0.0.0.0
listen_port: 4242
protocol: udp+tcp
labels:
  type: syslog
---
source: stdin
labels:
  type: nginx
---
`;

describe("acquis.yaml parsing", () => {
  it("reads CrowdSec's installed multi-document layout, inferring file and journalctl sources", () => {
    const entries = parseAcquisition(installed, FILE);
    expect(entries.map((e) => [e.source, e.labels.type, e.mode, e.document])).toEqual([
      ["file", "nginx", "tail", 0],
      ["file", "syslog", "tail", 1],
      ["journalctl", "syslog", "tail", 2],
      ["syslog", "syslog", "tail", 3],
      ["stdin", "nginx", "tail", 4],
    ]);
    expect(entries[1]?.config).toEqual({
      patterns: ["/var/log/auth.log", "/var/log/syslog"],
      excludeRegexps: [],
    });
    expect(entries[2]?.config).toEqual({ filters: ["_SYSTEMD_UNIT=ssh.service"] });
    expect(entries[3]?.config).toEqual({
      listenAddr: "0.0.0.0",
      listenPort: 4242,
      protocols: ["udp", "tcp"],
      maxMessageLen: 2048,
    });
    expect(describeEntry(entries[2]!)).toBe(
      "journalctl --output=json --all --follow -n 0 _SYSTEMD_UNIT=ssh.service",
    );
  });

  const bad: [string, string, string][] = [
    [
      "an unknown key, with its line",
      "filename: /var/log/a.log\nlabels:\n  type: syslog\nfilname: typo\n",
      `${FILE}:4:1: document 1: filname: unknown key (not in the schema)`,
    ],
    [
      "a wrongly typed value in the second document",
      "filename: /a\nlabels: {type: x}\n---\nfilenames:\n  - /b\n  - 3\nlabels: {type: y}\n",
      `${FILE}:6:5: document 2: filenames[1]: Expected string, received number`,
    ],
    ["missing labels", "filename: /var/log/a.log\n", `${FILE}:1:1: document 1: labels: Required`],
    [
      "empty labels",
      "filename: /var/log/a.log\nlabels: {}\n",
      `${FILE}:2:9: document 1: labels: labels must not be empty`,
    ],
    [
      "a source that cannot be inferred",
      "labels:\n  type: syslog\n",
      `${FILE}:1:1: document 1: source is required (no filename(s) or journalctl_filter to infer it from)`,
    ],
    [
      "an unimplemented CrowdSec source",
      "source: docker\ncontainer_name: [nginx]\nlabels: {type: nginx}\n",
      `${FILE}:1:9: document 1: source: source "docker" is a CrowdSec source Rampart does not implement`,
    ],
    [
      "an unknown source",
      "source: carrier-pigeon\nlabels: {type: x}\n",
      `${FILE}:1:9: document 1: source: unknown data source "carrier-pigeon" (known: file, journalctl, syslog, stdin)`,
    ],
    [
      "a bad mode",
      "filename: /a\nmode: follow\nlabels: {type: x}\n",
      `${FILE}:2:7: document 1: mode: Invalid enum value. Expected 'tail' | 'cat', received 'follow'`,
    ],
    [
      "a malformed glob",
      "filenames:\n  - /var/log/[abc.log\nlabels: {type: x}\n",
      `${FILE}:2:5: document 1: filenames[0]: syntax error in glob pattern "/var/log/[abc.log"`,
    ],
    [
      "an invalid exclude regexp",
      "filename: /a\nexclude_regexps: ['(']\nlabels: {type: x}\n",
      `${FILE}:2:19: document 1: exclude_regexps[0]: Invalid regular expression: /(/: Unterminated group`,
    ],
    [
      "a syslog port out of range",
      "source: syslog\nlisten_port: 70000\nlabels: {type: syslog}\n",
      `${FILE}:2:14: document 1: listen_port: Number must be less than or equal to 65535`,
    ],
    [
      "a key of another source",
      "source: syslog\nfilename: /a\nlabels: {type: syslog}\n",
      `${FILE}:2:1: document 1: filename: unknown key (not in the schema)`,
    ],
    [
      "an empty journalctl filter list",
      "journalctl_filter: []\nlabels: {type: syslog}\n",
      `${FILE}:1:20: document 1: journalctl_filter: Array must contain at least 1 element(s)`,
    ],
    [
      "a YAML syntax error",
      "filename: /a\nlabels: {type: x\n",
      `${FILE}:3:1: document 1: Flow map in block collection must be sufficiently indented and end with a }`,
    ],
    [
      "a duplicate key",
      "filename: /a\nfilename: /b\nlabels: {type: x}\n",
      `${FILE}:2:1: document 1: Map keys must be unique`,
    ],
  ];
  for (const [name, text, message] of bad) {
    it(`rejects ${name} with the file, the line, the YAML path and the reason`, () => {
      let caught: unknown;
      try {
        parseAcquisition(text, FILE);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(ConfigError);
      expect((caught as Error).message).toBe(message);
    });
  }
});

describe("acquisition loading", () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => {
    for (const c of cleanups.splice(0)) c();
  });

  it("reads acquis.yaml then acquis.d/*.yaml in name order, ignoring other files", () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const dir = join(t.dir, "acquis.d");
    mkdirSync(dir);
    writeFileSync(join(t.dir, "acquis.yaml"), "filename: /a\nlabels: {type: a}\n");
    writeFileSync(join(dir, "20-b.yaml"), "filename: /b\nlabels: {type: b}\n");
    writeFileSync(join(dir, "10-c.yaml"), "filename: /c\nlabels: {type: c}\n");
    writeFileSync(join(dir, "README.md"), "not yaml: [");
    const entries = loadAcquisition(join(t.dir, "acquis.yaml"), dir);
    expect(entries.map((e) => e.labels.type)).toEqual(["a", "c", "b"]);
  });

  it("fails when no datasource is configured", () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    writeFileSync(join(t.dir, "acquis.yaml"), "---\n");
    expect(() => loadAcquisition(join(t.dir, "acquis.yaml"), null)).toThrow(
      /no datasource enabled/,
    );
  });

  it("turns a file:// DSN into a one-shot cat-mode file entry", async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    writeFileSync(join(t.dir, "auth.log"), "one\ntwo\n");
    const entry = entryFromDsn(`file://${join(t.dir, "auth.log")}`, { type: "syslog" });
    expect(entry).toMatchObject({ source: "file", mode: "cat", useTimeMachine: true });
    const source = createSource(entry, {
      offsets: OffsetStore.inMemory(),
      stdin: process.stdin,
    });
    const lines: string[] = [];
    for await (const line of source) lines.push(line.line);
    expect(lines).toEqual(["one", "two"]);
    expect(() => entryFromDsn("docker://nginx", { type: "nginx" })).toThrow(/only file:\/\//);
  });

  const minimal: Record<keyof typeof sourceRegistry, string> = {
    file: "filename: /var/log/none-*.log\n",
    journalctl: "journalctl_filter: [-u, ssh]\n",
    syslog: "listen_port: 5514\n",
    stdin: "",
  };
  for (const name of Object.keys(sourceRegistry) as (keyof typeof sourceRegistry)[]) {
    it(`registry row ${name}: accepts its minimal entry, describes it, rejects an unknown key`, () => {
      const text = `source: ${name}\n${minimal[name]}labels: {type: x}\n`;
      const [entry] = parseAcquisition(text, FILE);
      expect(entry?.source).toBe(name);
      expect(describeEntry(entry!)).not.toBe("");
      expect(() => parseAcquisition(`${text}bogus: 1\n`, FILE)).toThrow(
        "bogus: unknown key (not in the schema)",
      );
    });
  }
});
