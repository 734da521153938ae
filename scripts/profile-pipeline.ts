/**
 * Lines per CPU second of the agent's signal pipeline alone (parse → whitelist → scenario
 * routing → wire event, then `JSON.stringify` of the batch as the poster would), on a bench log
 * from `scripts/gen-logs.ts --bench`, with the reference hub's Debian default collections
 * (`default`) or the agent bench's linux + nginx (`agent`), whitelists parser on top.
 * No acquisition, no LAPI: it isolates the per-line CPU the live agent spends in `src/engine`
 * and `agent/pipeline`. Run it under `node --cpu-prof` to see where that CPU goes.
 *
 *   node --import tsx scripts/profile-pipeline.ts [sshd|nginx] [passes] [default|agent]
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { debianDirectories } from "../agent/hub/hub-fs.js";
import { loadAgentHub } from "../agent/pipeline/agent-hub.js";
import { createSignalPipeline } from "../agent/pipeline/signal-pipeline.js";
import {
  CROWDSEC_ROOT,
  DEFAULT_COLLECTIONS,
  DEFAULT_EXTRA_PARSERS,
} from "../test/oracle/crowdsec-dump.js";

const kind = process.argv[2] === "nginx" ? "nginx" : "sshd";
const passes = Number(process.argv[3] ?? 3);
const file = join(import.meta.dirname, "..", ".cache/bench", `${kind}-100k.log`);
const lines = readFileSync(file, "utf8").split("\n").filter(Boolean);

const hubName = process.argv[4] === "agent" ? "agent" : "default";
const hub = loadAgentHub(debianDirectories(CROWDSEC_ROOT), {
  collections:
    hubName === "agent" ? ["crowdsecurity/linux", "crowdsecurity/nginx"] : DEFAULT_COLLECTIONS,
  parsers: [...DEFAULT_EXTRA_PARSERS],
});
const labels = { type: kind === "nginx" ? "nginx" : "syslog" };

for (let pass = 0; pass < passes; pass++) {
  const pipeline = createSignalPipeline(hub, "profile");
  const cpu0 = process.cpuUsage();
  let bytes = 0;
  let batch: unknown[] = [];
  for (let i = 0; i < lines.length; i++) {
    const event = pipeline.process({
      line: lines[i]!,
      source: file,
      module: "file",
      labels,
      time: Date.now(),
      cursor: { kind: "sequence", seq: i },
    });
    if (event !== null) batch.push(event);
    if (batch.length === 500) {
      bytes += JSON.stringify({ events: batch }).length;
      batch = [];
    }
  }
  bytes += JSON.stringify({ events: batch }).length;
  const cpu = process.cpuUsage(cpu0);
  const seconds = (cpu.user + cpu.system) / 1e6;
  const { parsed, signals } = pipeline.stats;
  console.log(
    `${kind} (${hubName} hub, ${hub.scenarios.length} scenarios) pass ${pass + 1}: ${lines.length} lines, ${parsed} parsed, ${signals} signals, ` +
      `${(bytes / 1e6).toFixed(1)} MB JSON, ${seconds.toFixed(2)} CPU s, ` +
      `${Math.round(lines.length / seconds)} lines/CPU s`,
  );
}
