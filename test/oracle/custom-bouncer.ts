/**
 * Runs the real `crowdsec-custom-bouncer` 0.0.15 against a LAPI. Its `bin_path` is a shell script
 * that appends one tab-separated line per invocation (`add|del`, value, duration, reason, decision
 * JSON) to a file the test reads.
 */
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  type CrowdsecInstall,
  crowdsecInstall,
  makeTempDir,
  removeDir,
  writeYaml,
} from "./crowdsec-config.js";
import { type ManagedProcess, startProcess } from "./processes.js";

/** One invocation of the bouncer's script. */
export interface BouncerCall {
  action: "add" | "del";
  value: string;
  /** Seconds as passed by the bouncer (its own rounding of the decision duration). */
  duration: string;
  reason: string;
  /** The decision JSON the bouncer passes as last argument (parsed when possible). */
  decision: Record<string, unknown> | null;
}

/** A running custom bouncer. */
export interface CustomBouncer {
  readonly process: ManagedProcess;
  /** Calls recorded so far, in order. */
  calls(): BouncerCall[];
  stop(): Promise<void>;
}

/** Options of {@link startCustomBouncer}. */
export interface CustomBouncerOptions {
  apiUrl: string;
  apiKey: string;
  /** Poll interval (`update_frequency`), default `1s`. */
  updateFrequency?: string;
  install?: CrowdsecInstall;
}

/** Starts the bouncer in the foreground with logs on stdout. */
export function startCustomBouncer(options: CustomBouncerOptions): CustomBouncer {
  const install = options.install ?? crowdsecInstall();
  const dir = makeTempDir("custom-bouncer");
  const callsFile = join(dir, "calls.tsv");
  const script = join(dir, "record.sh");
  writeFileSync(
    script,
    `#!/bin/sh\n# Appends the arguments of this call as one tab-separated line.\n` +
      `printf '%s\\t' "$@" >> '${callsFile}'\nprintf '\\n' >> '${callsFile}'\n`,
  );
  chmodSync(script, 0o755);
  const configPath = join(dir, "custom-bouncer.yaml");
  writeYaml(configPath, {
    bin_path: script,
    feed_via_stdin: false,
    total_retries: 0,
    scenarios_containing: [],
    scenarios_not_containing: [],
    origins: [],
    piddir: dir,
    update_frequency: options.updateFrequency ?? "1s",
    // The bouncer skips a decision it has already applied within this window; keep it short so
    // a re-added value is executed again.
    cache_retention_duration: "1s",
    daemonize: false,
    log_mode: "stdout",
    log_dir: dir,
    log_level: "info",
    api_url: options.apiUrl,
    api_key: options.apiKey,
    prometheus: { enabled: false },
  });
  const process_ = startProcess(install.customBouncer, ["-c", configPath], { cwd: dir });
  return {
    process: process_,
    calls() {
      if (!existsSync(callsFile)) return [];
      return readFileSync(callsFile, "utf8")
        .split("\n")
        .filter((line) => line.length > 0)
        .map(parseCall);
    },
    async stop() {
      await process_.stop();
      removeDir(dir);
    },
  };
}

function parseCall(line: string): BouncerCall {
  const [action = "", value = "", duration = "", reason = "", json = ""] = line.split("\t");
  let decision: Record<string, unknown> | null = null;
  try {
    decision = JSON.parse(json) as Record<string, unknown>;
  } catch {
    decision = null;
  }
  return { action: action as BouncerCall["action"], value, duration, reason, decision };
}
