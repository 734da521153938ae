import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { oracleFor } from "../../test/oracle/crowdsec-config.js";
import { tempDir } from "../../test/support/acquisition.js";
import { seedOffsets, writeAgentInstall } from "../../test/support/agent-test-hub.js";
import { agentCommand } from "../../test/support/bins.js";

const AGENT = agentCommand();

describe.skipIf(oracleFor("rampart-agent process signals").skip)(
  "rampart-agent process signals",
  () => {
    const cleanups: (() => void)[] = [];
    afterEach(() => {
      for (const cleanup of cleanups.splice(0)) cleanup();
    });

    it("reloads on SIGHUP and exits 0 after a graceful stop on SIGTERM", async () => {
      const t = tempDir("rampart-signals-");
      cleanups.push(t.cleanup);
      writeFileSync(join(t.dir, "auth.log"), "");
      seedOffsets(join(t.dir, "state"), [join(t.dir, "auth.log")]);
      // Nothing listens there: the agent keeps running and retrying, which is the point.
      const config = writeAgentInstall(t.dir, {
        lapiUrl: "http://127.0.0.1:1/",
        filenames: [join(t.dir, "*.log")],
        logLevel: "info",
        shutdownTimeout: "200ms",
      });
      const child = spawn(AGENT.command, [...AGENT.args, "-c", config], {
        stdio: ["ignore", "pipe", "pipe"],
      });
      cleanups.push(() => child.kill("SIGKILL"));
      let log = "";
      child.stderr.setEncoding("utf8").on("data", (d: string) => {
        log += d;
      });
      const exited = new Promise<number | null>((done) => child.once("exit", (code) => done(code)));
      const waitLog = async (text: string) => {
        const deadline = Date.now() + 30_000;
        while (!log.includes(text)) {
          if (Date.now() > deadline) throw new Error(`no "${text}" in:\n${log}`);
          await new Promise((r) => setTimeout(r, 50));
        }
      };
      await waitLog('"msg":"acquisition started"');
      child.kill("SIGHUP");
      await waitLog('"msg":"reloaded"');
      expect(log.match(/"msg":"acquisition started"/g)).toHaveLength(2);
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
      expect(log).toContain('"msg":"stopped"');
    }, 60_000);
  },
);
