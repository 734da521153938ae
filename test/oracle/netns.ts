/**
 * Network namespaces for the deployment e2e tests (issue 13): each test builds its own hosts
 * (`ip netns add`) joined by veth pairs, runs real components inside them (`ip netns exec`) and
 * deletes them afterwards — which also removes their veths, addresses and nftables tables — even
 * when the test fails or the run is aborted (an exit hook deletes what is left).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { delimiter, join } from "node:path";
import { skipUnlessPresent } from "./prerequisites.js";
import { type ManagedProcess, runCommand, startProcess } from "./processes.js";

/** Whether `command` is on PATH (or in the sbin directories root uses); `ip` has no --version. */
function onPath(command: string): boolean {
  const dirs = [...(process.env.PATH ?? "").split(delimiter), "/usr/sbin", "/sbin"];
  return dirs.some((d) => d !== "" && existsSync(join(d, command)));
}

/**
 * Whether a suite needing namespaces, nftables and `commands` must skip: a banner locally when
 * the kernel refuses namespaces or a command is missing, a failure in CI.
 */
export function skipWithoutNetns(what: string, commands: readonly string[] = []): boolean {
  const missing: string[] = [];
  if (process.getuid?.() !== 0) missing.push("root privileges");
  if (!onPath("ip")) missing.push("ip (iproute2)");
  for (const command of commands) if (!onPath(command)) missing.push(command);
  if (missing.length === 0) {
    const probe = `rv-probe-${process.pid}`;
    const added = spawnSync("ip", ["netns", "add", probe], { encoding: "utf8" });
    if (added.status !== 0) missing.push(`network namespaces (${added.stderr.trim()})`);
    else spawnSync("ip", ["netns", "del", probe]);
  }
  return skipUnlessPresent(
    what,
    missing,
    "run as root on a kernel that allows network namespaces, with iproute2, nftables, nginx, " +
      "golang-cfssl and curl installed (.ci/run installs them)",
  );
}

function ip(...args: string[]): void {
  execFileSync("ip", args, { stdio: "pipe" });
}

/** A set of namespaces one test owns; {@link Lab.destroy} removes all of them. */
export class Lab {
  private readonly namespaces: string[] = [];
  private readonly onExit = () => this.destroySync();
  private links = 0;

  /** `tag` (a few letters) keeps names short: interface names are at most 15 bytes. */
  constructor(private readonly tag: string) {
    process.once("exit", this.onExit);
  }

  /** Creates namespace `<tag>-<role>-<pid>` with its loopback up; returns its name. */
  host(role: string): string {
    const name = `${this.tag}-${role}-${process.pid}`;
    spawnSync("ip", ["netns", "del", name]);
    ip("netns", "add", name);
    this.namespaces.push(name);
    ip("-n", name, "link", "set", "lo", "up");
    return name;
  }

  /**
   * Joins two namespaces (or a namespace and the root one, `null`) with a veth pair; `a` and
   * `b` are CIDR addresses (`10.0.0.1/24`), or several, for each end.
   */
  link(aNs: string | null, a: string | string[], bNs: string | null, b: string | string[]): void {
    const n = this.links++;
    const ifA = `${this.tag}a${n}-${process.pid % 100000}`.slice(0, 15);
    const ifB = `${this.tag}b${n}-${process.pid % 100000}`.slice(0, 15);
    const where = (ns: string | null) => (ns === null ? [] : ["netns", ns]);
    ip("link", "add", ifA, ...where(aNs), "type", "veth", "peer", "name", ifB, ...where(bNs));
    for (const [ns, iface, addrs] of [
      [aNs, ifA, a],
      [bNs, ifB, b],
    ] as const) {
      const scope = ns === null ? [] : ["-n", ns];
      for (const addr of [addrs].flat()) ip(...scope, "addr", "add", addr, "dev", iface);
      ip(...scope, "link", "set", iface, "up");
    }
  }

  /** Adds a route in `ns` (`ip route add <to> via <via>`). */
  route(ns: string, to: string, via: string): void {
    ip("-n", ns, "route", "add", to, "via", via);
  }

  /** Starts a long-running process inside `ns`. */
  start(ns: string, cmd: string, args: string[], options: { cwd?: string } = {}): ManagedProcess {
    return startProcess("ip", ["netns", "exec", ns, cmd, ...args], options);
  }

  /**
   * Runs a command inside `ns` to completion: exit status and output, never a throw on a
   * non-zero exit. Asynchronous, so servers in this process (the local front) keep answering.
   */
  async run(ns: string, cmd: string, args: string[], timeoutMs = 60_000) {
    const r = await runCommand("ip", ["netns", "exec", ns, cmd, ...args], { timeoutMs });
    return { status: r.code, stdout: r.stdout, stderr: r.stderr };
  }

  /** Deletes every namespace of this lab (their veths and nftables tables go with them). */
  destroy(): void {
    this.destroySync();
    process.removeListener("exit", this.onExit);
  }

  private destroySync(): void {
    for (const ns of this.namespaces.splice(0)) spawnSync("ip", ["netns", "del", ns]);
  }
}
