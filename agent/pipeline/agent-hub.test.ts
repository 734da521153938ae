import { describe, expect, it } from "vitest";
import { ExpectMode, newLogEvent } from "../../src/engine/event.js";
import { oracleFor } from "../../test/oracle/crowdsec-config.js";
import { debianDirectories } from "../hub/hub-fs.js";
import { loadAgentHub } from "./agent-hub.js";

const oracle = oracleFor("loading the Debian hub for the agent");
const dirs = debianDirectories(oracle.install.root);

describe.skipIf(oracle.skip)("loading the Debian hub for the agent", () => {
  it("parses an sshd failure into the metas the ssh scenarios group by", () => {
    const hub = loadAgentHub(dirs, {
      collections: ["crowdsecurity/linux"],
      parsers: ["crowdsecurity/whitelists"],
    });
    expect(hub.scenarios.map((s) => s.name)).toContain("crowdsecurity/ssh-bf");
    const evt = newLogEvent(
      {
        Raw: "Jan 12 10:00:01 host sshd[1]: Failed password for root from 1.2.3.4 port 22 ssh2",
        Labels: { type: "syslog" },
        Module: "file",
        Src: "/var/log/auth.log",
      },
      ExpectMode.TIMEMACHINE,
    );
    expect(hub.parsers.parse(evt).process).toBe(true);
    expect(evt.Meta).toMatchObject({
      log_type: "ssh_failed-auth",
      service: "ssh",
      source_ip: "1.2.3.4",
      target_user: "root",
      machine: "host",
      datasource_path: "/var/log/auth.log",
    });
    expect(evt.Meta.timestamp).toMatch(/^\d{4}-01-12T10:00:01Z$/);
    // No .mmdb in the Debian data dir: GeoIP statics are skipped, nothing in Enriched but the date.
    expect(Object.keys(evt.Enriched)).toEqual(["MarshaledTime"]);
  });
});
