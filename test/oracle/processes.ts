/**
 * Child-process plumbing shared by the oracle helpers: free loopback ports, one-shot commands with
 * captured output, long-running servers with a log buffer, and polling until a condition holds.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";

/** A free TCP port on 127.0.0.1, found by binding port 0 (never 8080: the dev server uses it). */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolvePort, reject) => {
      const server = createServer();
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => {
        const address = server.address();
        const found = typeof address === "object" && address ? address.port : 0;
        server.close(() => resolvePort(found));
      });
    });
    if (port !== 8080 && port !== 0) return port;
  }
}

/** Result of a finished command. */
export interface CommandResult {
  stdout: string;
  stderr: string;
  /** Exit code; `null` when killed by a signal. */
  code: number | null;
}

/** Options of {@link runCommand}. */
export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  input?: string;
  /** Kill the command after this many ms (default 120 s). */
  timeoutMs?: number;
}

/** Runs a command to completion, capturing stdout/stderr (never throws on a non-zero exit). */
export function runCommand(cmd: string, args: string[], options: RunOptions = {}) {
  return new Promise<CommandResult>((resolveRun, reject) => {
    const child = spawn(cmd, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 120_000);
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once("close", (code) => {
      clearTimeout(timer);
      resolveRun({ stdout, stderr, code });
    });
    child.stdin.end(options.input ?? "");
  });
}

/** A long-running child whose combined output is buffered for assertions and diagnostics. */
export interface ManagedProcess {
  child: ChildProcess;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  /** Whether the process has exited. */
  exited(): boolean;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
  stop(graceMs?: number): Promise<void>;
}

/** Starts a long-running process in its own process group (so `stop` also ends its children). */
export function startProcess(
  cmd: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): ManagedProcess {
  const child = spawn(cmd, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let log = "";
  let done = false;
  const append = (d: string) => {
    // Keep the tail only: wrangler and crowdsec can be chatty over a long test file.
    log = (log + d).slice(-2_000_000);
  };
  child.stdout?.setEncoding("utf8").on("data", append);
  child.stderr?.setEncoding("utf8").on("data", append);
  // Detached children outlive an aborted test run: kill the group when this process exits.
  const killOnExit = () => {
    if (!done && child.pid !== undefined) {
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        // Already gone.
      }
    }
  };
  process.once("exit", killOnExit);
  const closed = new Promise<void>((resolveClose) => {
    child.once("close", () => {
      done = true;
      process.removeListener("exit", killOnExit);
      resolveClose();
    });
    child.once("error", (error) => {
      append(`\n[spawn error] ${error.message}\n`);
      done = true;
      resolveClose();
    });
  });
  const signal = (sig: NodeJS.Signals) => {
    if (done || child.pid === undefined) return;
    try {
      process.kill(-child.pid, sig);
    } catch {
      child.kill(sig);
    }
  };
  return {
    child,
    output: () => log,
    exited: () => done,
    async stop(graceMs = 5_000) {
      if (done) return;
      signal("SIGTERM");
      const timer = setTimeout(() => signal("SIGKILL"), graceMs);
      await closed;
      clearTimeout(timer);
    },
  };
}

/** Options of {@link waitFor}. */
export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** Extra text (e.g. server logs) appended to the timeout error. */
  diagnostics?: () => string;
}

/** Polls `check` every `intervalMs` until it returns a value other than `undefined`/`false`. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  options: WaitOptions = {},
): Promise<T> {
  const { timeoutMs = 60_000, intervalMs = 200, diagnostics = () => "" } = options;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const reason = lastError instanceof Error ? ` (last error: ${lastError.message})` : "";
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${reason}\n${diagnostics()}`,
      );
    }
    await sleep(intervalMs);
  }
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolveSleep) => setTimeout(resolveSleep, ms));
}
