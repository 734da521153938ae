/**
 * `npm run package:deb [-- --out <dir>]`: builds `rampart-agent_<version>_all.deb` with
 * `dpkg-deb` — the bundled agent and CLI (every npm dependency inside, so the host needs only
 * `nodejs`), the systemd unit, `/etc/rampart/agent.yaml` and `acquis.yaml` as conffiles, and the
 * maintainer scripts of `packaging/deb/` (no network in any of them). Prints the path of the .deb.
 *
 * No `rampart-agent` system user: the unit runs as root, confined by systemd (it must read
 * `/var/log/auth.log` and the journal and may bind syslog's port 514; see the unit's comments).
 */
import { execFileSync } from "node:child_process";
import { chmodSync, copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";

const REPO = resolve(import.meta.dirname, "..");
const ESBUILD = join(REPO, "node_modules/.bin/esbuild");
/**
 * The agent's V8 flags, in its shebang (one argument, as Linux passes it): a 1 MiB semi-space
 * keeps the young generation from growing to 32 MiB during the hub load, which the process would
 * otherwise keep for its whole life (docs/agent-memory.md).
 */
export const AGENT_NODE_FLAGS = "--max-semi-space-size=1";
/** esbuild arguments shared by both bundles (ESM needs a `require` for CommonJS dependencies). */
const BUNDLE_ARGS = [
  "--bundle",
  "--platform=node",
  "--format=esm",
  "--target=node20",
  "--minify",
  "--legal-comments=none",
  "--banner:js=import { createRequire as __rampartRequire } from 'node:module'; const require = __rampartRequire(import.meta.url);",
];

/** Bundles `entry` into `out`, replacing the source's `#!` line with `shebang`. */
export function bundle(entry: string, out: string, shebang: string): void {
  execFileSync(ESBUILD, [entry, ...BUNDLE_ARGS, `--outfile=${out}`, "--log-level=warning"], {
    cwd: REPO,
    stdio: "inherit",
  });
  const code = readFileSync(out, "utf8").replace(/^#!.*\n/, "");
  writeFileSync(out, `${shebang}\n${code}`);
  chmodSync(out, 0o755);
}

function control(version: string, installedKib: number): string {
  return [
    "Package: rampart-agent",
    `Version: ${version}`,
    "Architecture: all",
    "Maintainer: Rampart <rampart@localhost>",
    `Installed-Size: ${installedKib}`,
    // The bundles target Node 20 (package.json engines); Debian 12's own nodejs is 18.
    "Depends: nodejs (>= 20.19)",
    "Section: net",
    "Priority: optional",
    "Homepage: https://github.com/rampart/rampart",
    "Description: CrowdSec-compatible host agent and CLI of Rampart",
    " rampart-agent reads logs (files, journald, syslog), runs them through CrowdSec hub parsers",
    " and scenarios and reports to a Rampart LAPI. rampart is the command-line client (hub,",
    " decisions, machines, setup). Run `rampart setup apply` after installing.",
    "",
  ].join("\n");
}

function du(dir: string): number {
  return Number(execFileSync("du", ["-sk", dir], { encoding: "utf8" }).split("\t")[0]);
}

/** Builds the package into `outDir`; returns the .deb path. */
export function buildDeb(outDir: string): string {
  const { version } = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as {
    version: string;
  };
  const stage = join(outDir, `rampart-agent_${version}_all`);
  rmSync(stage, { recursive: true, force: true });
  const dir = (path: string) => {
    mkdirSync(join(stage, path), { recursive: true });
    return join(stage, path);
  };
  const lib = dir("usr/lib/rampart");
  bundle(
    "agent/daemon/bundle-entry.ts",
    join(lib, "rampart-agent.mjs"),
    `#!/usr/bin/node ${AGENT_NODE_FLAGS}`,
  );
  bundle("src/cli/cli-entry.ts", join(lib, "rampart.mjs"), "#!/usr/bin/node");
  const bin = dir("usr/bin");
  execFileSync("ln", ["-s", "../lib/rampart/rampart-agent.mjs", join(bin, "rampart-agent")]);
  execFileSync("ln", ["-s", "../lib/rampart/rampart.mjs", join(bin, "rampart")]);
  copyFileSync(
    join(REPO, "packaging/rampart-agent.service"),
    join(dir("lib/systemd/system"), "rampart-agent.service"),
  );
  const etc = dir("etc/rampart");
  for (const name of ["agent.yaml", "acquis.yaml"])
    copyFileSync(join(REPO, "packaging/deb", name), join(etc, name));
  const docs = dir("usr/share/doc/rampart-agent");
  copyFileSync(join(REPO, "agent/README.md"), join(docs, "README.md"));

  const debian = dir("DEBIAN");
  writeFileSync(join(debian, "control"), control(version, du(stage)));
  writeFileSync(join(debian, "conffiles"), "/etc/rampart/agent.yaml\n/etc/rampart/acquis.yaml\n");
  for (const script of ["postinst", "prerm", "postrm"]) {
    copyFileSync(join(REPO, "packaging/deb", script), join(debian, script));
    chmodSync(join(debian, script), 0o755);
  }
  const deb = join(outDir, `rampart-agent_${version}_all.deb`);
  execFileSync("dpkg-deb", ["--root-owner-group", "-Zxz", "--build", stage, deb], {
    stdio: ["ignore", "ignore", "inherit"],
  });
  rmSync(stage, { recursive: true, force: true });
  return deb;
}

if (process.argv[1] === import.meta.filename) {
  const { values } = parseArgs({ options: { out: { type: "string", default: "dist" } } });
  const out = resolve(values.out ?? "dist");
  mkdirSync(out, { recursive: true });
  console.log(buildDeb(out));
}
