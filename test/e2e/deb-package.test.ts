/**
 * Issue #17 acceptance for the Debian package: `npm run package:deb`'s builder makes the .deb, the
 * real `dpkg` installs it into a fresh root made here (`dpkg --root`, maintainer scripts run
 * chrootless with `DPKG_ROOT`, as dpkg supports for bootstrapping), the installed
 * `/usr/bin/rampart-agent -t` runs inside a chroot of that root (the host's `node` and its
 * libraries bind-mounted read-only, in a private mount namespace that vanishes with the command),
 * and `dpkg -r` keeps the conffiles until `dpkg -P`.
 *
 * The root has no `nodejs` package (the host's node is lent to the chroot), hence
 * `--force-depends` on install; everything else is dpkg's own behaviour.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildDeb } from "../../scripts/package-deb.js";
import { crowdsecInstall, makeTempDir, removeDir } from "../oracle/crowdsec-config.js";
import { hasCommand, skipUnlessPresent } from "../oracle/prerequisites.js";

const install = crowdsecInstall();
const skip = skipUnlessPresent(
  "Debian package e2e (dpkg --root, chroot)",
  [
    ...(process.getuid?.() === 0 ? [] : ["root privileges"]),
    ...["dpkg", "dpkg-deb", "unshare"].filter((c) => !hasCommand(c)),
    ...["/usr/sbin/chroot", "/usr/bin/node", join(install.hubDir, ".index.json")].filter(
      (p) => !existsSync(p),
    ),
  ],
  "run as root on Debian with the CrowdSec oracle fetched (node --import tsx scripts/fetch-crowdsec.ts)",
);

/** Shared libraries of the host's node (ldd), each lent to the chroot at the same path. */
function nodeLibraries(): string[] {
  const out = execFileSync("ldd", ["/usr/bin/node"], { encoding: "utf8" });
  return [...out.matchAll(/(\/\S+) \(0x/g)].map((m) => m[1]!);
}

describe.skipIf(skip)("rampart-agent .deb", () => {
  let work: string;
  let root: string;
  let deb: string;

  const dpkg = (...args: string[]) =>
    spawnSync("dpkg", [`--root=${root}`, "--force-script-chrootless", ...args], {
      encoding: "utf8",
    });
  /** dpkg-query's two-letter state (`ii`, `rc`), empty once purged. */
  const status = () =>
    // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's format syntax.
    spawnSync("dpkg-query", [`--root=${root}`, "-W", "-f=${db:Status-Abbrev}", "rampart-agent"], {
      encoding: "utf8",
    }).stdout.trim();

  /** Runs `command` chrooted into the root, with node and its libraries bind-mounted. */
  function inChroot(command: string[]) {
    const mounts = ["/usr/bin/node", ...nodeLibraries()].map((path) => {
      const target = join(root, path);
      mkdirSync(dirname(target), { recursive: true });
      if (!existsSync(target)) writeFileSync(target, "");
      return `mount --bind -o ro ${path} ${target}`;
    });
    const script = [...mounts, `exec /usr/sbin/chroot ${root} ${command.join(" ")}`].join(" && ");
    return spawnSync("unshare", ["--mount", "--propagation", "private", "sh", "-c", script], {
      encoding: "utf8",
      env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin", TZ: "UTC", HOME: "/root" },
      timeout: 120_000,
    });
  }

  beforeAll(() => {
    work = makeTempDir("deb");
    deb = buildDeb(work);
    root = join(work, "root");
    for (const d of ["var/lib/dpkg/info", "var/lib/dpkg/updates", "var/lib/dpkg/triggers"])
      mkdirSync(join(root, d), { recursive: true });
    writeFileSync(join(root, "var/lib/dpkg/status"), "");
    writeFileSync(join(root, "var/lib/dpkg/available"), "");
  }, 120_000);
  afterAll(() => removeDir(work));

  it("is named rampart-agent_<version>_all.deb and depends on nodejs", () => {
    const { version } = JSON.parse(readFileSync("package.json", "utf8")) as { version: string };
    expect(deb.endsWith(`/rampart-agent_${version}_all.deb`)).toBe(true);
    const info = execFileSync("dpkg-deb", ["-f", deb, "Depends", "Architecture"], {
      encoding: "utf8",
    });
    expect(info).toBe("Depends: nodejs (>= 20.19)\nArchitecture: all\n");
  });

  it("installs into a fresh root and postinst prints the one command to run", () => {
    const r = dpkg("--force-depends", "-i", deb);
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("\n  sudo rampart setup apply\n");
    expect(status()).toBe("ii");
    for (const path of [
      "usr/lib/rampart/rampart-agent.mjs",
      "usr/lib/rampart/rampart.mjs",
      "lib/systemd/system/rampart-agent.service",
      "etc/rampart/agent.yaml",
      "etc/rampart/acquis.yaml",
      "etc/rampart/acquis.d",
      "var/lib/rampart-agent",
    ])
      expect(existsSync(join(root, path)), path).toBe(true);
    const conffiles = readFileSync(join(root, "var/lib/dpkg/info/rampart-agent.conffiles"), "utf8");
    expect(conffiles).toBe("/etc/rampart/agent.yaml\n/etc/rampart/acquis.yaml\n");
  });

  it("rampart-agent -t from the installed files names what is missing before setup", () => {
    const r = inChroot(["/usr/bin/rampart-agent", "-c", "/etc/rampart/agent.yaml", "-t"]);
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toContain(
      "configuration test failed: /etc/rampart/agent.yaml: lapi.credentials_path: " +
        "/etc/rampart/local_api_credentials.yaml does not exist",
    );
  });

  it("rampart setup apply in the root installs sshd's collection offline; then -t passes", () => {
    writeFileSync(
      join(root, "etc/rampart/local_api_credentials.yaml"),
      "url: http://127.0.0.1:8080/\nlogin: host-1\npassword: secret\n",
    );
    // The hub snapshot where `rampart hub update` would put it: nothing to download.
    cpSync(install.hubDir, join(root, "etc/crowdsec/hub"), { recursive: true });
    cpSync(join(install.etcDir, "patterns"), join(root, "etc/crowdsec/patterns"), {
      recursive: true,
    });
    mkdirSync(join(root, "var/lib/crowdsec/data"), { recursive: true });
    mkdirSync(join(root, "var/log"), { recursive: true });
    writeFileSync(join(root, "var/log/auth.log"), "");

    const setup = inChroot(["/usr/bin/rampart", "setup", "apply"]);
    expect(setup.stderr).toBe("");
    expect(setup.status).toBe(0);
    expect(setup.stdout).toContain("enabled: collections crowdsecurity/sshd\n");
    expect(setup.stdout).toContain("enabled: parsers crowdsecurity/whitelists\n");
    expect(setup.stdout).toContain(
      "previous acquisition kept as /etc/rampart/acquis.yaml.bak\n" +
        "wrote /etc/rampart/acquis.yaml (1 sources)\n",
    );

    const r = inChroot(["/usr/bin/rampart-agent", "-c", "/etc/rampart/agent.yaml", "-t"]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(
      "acquisition: 1 datasource\n  file [tail] type=syslog: /var/log/auth.log (1 file now)\n" +
        "hub: 4 parsers, 0 postoverflows, 2 scenarios loaded from /etc/crowdsec/hub\n" +
        "configuration test: OK\n",
    );
  });

  it("the installed CLI runs from the chroot", () => {
    const r = inChroot(["/usr/bin/rampart", "--version"]);
    expect(r.status, r.stderr).toBe(0);
    const { version } = JSON.parse(readFileSync("package.json", "utf8")) as { version: string };
    expect(r.stdout.trim()).toBe(version);
  });

  it("dpkg -r removes the programs and keeps the edited conffiles; dpkg -P removes them", () => {
    writeFileSync(join(root, "etc/rampart/agent.yaml"), "# edited\n", { flag: "a" });
    const acquis = readFileSync(join(root, "etc/rampart/acquis.yaml"), "utf8");
    const removed = dpkg("-r", "rampart-agent");
    expect(removed.status, removed.stderr).toBe(0);
    expect(status()).toBe("rc");
    expect(existsSync(join(root, "usr/lib/rampart/rampart-agent.mjs"))).toBe(false);
    expect(existsSync(join(root, "lib/systemd/system/rampart-agent.service"))).toBe(false);
    expect(readFileSync(join(root, "etc/rampart/agent.yaml"), "utf8")).toContain("# edited\n");
    expect(readFileSync(join(root, "etc/rampart/acquis.yaml"), "utf8")).toBe(acquis);

    const purged = dpkg("-P", "rampart-agent");
    expect(purged.status, purged.stderr).toBe(0);
    expect(status()).toBe("");
    expect(existsSync(join(root, "etc/rampart/agent.yaml"))).toBe(false);
    expect(existsSync(join(root, "etc/rampart/acquis.yaml"))).toBe(false);
    expect(existsSync(join(root, "var/lib/rampart-agent"))).toBe(false);
  });
});
