/**
 * `rampart-agent -c agent.yaml` (no `-t`, no `-dsn`): starts the daemon and wires the process
 * signals like CrowdSec 1.4.6 `cmd/crowdsec/serve.go` — SIGTERM/SIGINT stop gracefully (sources
 * closed, batches flushed within `delivery.shutdown_timeout`, positions committed, exit 0; a
 * second signal exits at once with 1), SIGHUP reloads config, hub and acquisition.
 */
import { ConfigError } from "../config/config-error.js";
import { startDaemon } from "./daemon.js";

/** Where the command writes. */
export interface DaemonIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

/** Runs the daemon until it stops; returns the exit code. */
export async function runDaemon(configPath: string, io: DaemonIo): Promise<number> {
  // Handlers go in before the daemon starts: a signal that arrives while it starts (after it
  // logged "acquisition started", say) must not take Node's default action and kill it. Such a
  // signal is applied once the daemon is up.
  let daemon: Awaited<ReturnType<typeof startDaemon>> | null = null;
  let stopRequested = false;
  let reloadRequested = false;
  const onStop = (signal: NodeJS.Signals) => {
    if (stopRequested) {
      io.stderr(`rampart-agent: ${signal} again, exiting without flushing\n`);
      process.exit(1);
    }
    stopRequested = true;
    if (daemon) void daemon.stop();
  };
  const onReload = () => {
    if (daemon) void daemon.reload();
    else reloadRequested = true;
  };
  process.on("SIGTERM", onStop);
  process.on("SIGINT", onStop);
  process.on("SIGHUP", onReload);
  try {
    try {
      daemon = await startDaemon({ configPath, writeLog: io.stderr });
    } catch (error) {
      if (error instanceof ConfigError) {
        io.stderr(`rampart-agent: ${error.message}\n`);
        return 1;
      }
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "EADDRINUSE" || code === "EACCES") {
        io.stderr(`rampart-agent: cannot serve prometheus metrics: ${(error as Error).message}\n`);
        return 1;
      }
      throw error;
    }
    if (stopRequested) void daemon.stop();
    else if (reloadRequested) void daemon.reload();
    await daemon.done;
  } finally {
    process.off("SIGTERM", onStop);
    process.off("SIGINT", onStop);
    process.off("SIGHUP", onReload);
  }
  // Everything is closed; a handle some library still holds must not keep a stopped agent up.
  setTimeout(() => process.exit(0), 2000).unref();
  return 0;
}
