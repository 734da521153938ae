/**
 * Issue 14 acceptance (Central API server): two real CrowdSec 1.4.6 LAPIs (`crowdsec -no-cs`,
 * SQLite) have their `online_client` credentials pointing at Rampart's central API under
 * `wrangler dev`. Each one is fed by a real 1.4.6 agent tailing an sshd brute-force log and
 * pushes the resulting signals to Rampart. The address both saw reaches consensus; the one only
 * the first LAPI saw does not (one reporter never bans). After a restart (1.4.6 pulls the
 * community blocklist at startup, then every 2 h), the first LAPI's own bouncer stream
 * (`/v1/decisions/stream`) carries the community decision with origin `CAPI`, and its log shows
 * no Central API error.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type CrowdsecAgent,
  sshdBruteForceLines,
  startCrowdsecAgent,
} from "../oracle/crowdsec-agent.js";
import { installHubItems, oracleFor } from "../oracle/crowdsec-config.js";
import { waitFor } from "../oracle/processes.js";
import { type RampartDev, startRampartDev } from "../oracle/rampart-dev.js";
import { type RealLapi, startRealLapi } from "../oracle/real-lapi.js";

const { install, skip } = oracleFor("Central API server e2e (real 1.4.6 LAPIs → Rampart)");
const SHARED_IP = "198.51.100.61";
const ONLY_A_IP = "198.51.100.62";
const AGENT = "capi-e2e-agent";
const AGENT_PASSWORD = "capi-e2e-agent-password-0123";

/** What `cscli capi register` does (1.4.6 always sends it to api.crowdsec.net). */
async function registerWatcher(rampart: RampartDev, machineId: string, password: string) {
  const res = await fetch(new URL("v2/watchers", rampart.url), {
    method: "POST",
    headers: { "Content-Type": "application/json", "User-Agent": "crowdsec/v1.4.6" },
    body: JSON.stringify({ machine_id: machineId, password }),
  });
  expect(res.status, await res.text()).toBe(200);
  return { url: rampart.url, login: machineId, password };
}

/** CAPI failures 1.4.6 logs (pkg/apiserver/apic.go): pushes, pulls, metrics, authentication. */
const CAPI_ERROR =
  /level=(error|fatal).*(capi|central api|apic|signal|pull|metrics|api\.crowdsec|authenticat)/i;

interface Watcher {
  machine_id: string;
  scenarios: string[];
  last_push: string | null;
  last_pull: string | null;
  signals_in_window: number;
}
interface CommunityDecision {
  value: string;
  scenario: string;
  reporters: number;
}

describe.skipIf(skip)("the real CrowdSec 1.4.6 LAPI with Rampart as its Central API", () => {
  let rampart: RampartDev;
  const lapis: RealLapi[] = [];
  const agents: CrowdsecAgent[] = [];

  beforeAll(async () => {
    rampart = await startRampartDev({
      vars: { CAPI_SERVER: "on", CAPI_CONSENSUS_MIN_REPORTERS: "2" },
    });
  }, 300_000);

  afterAll(async () => {
    await Promise.all(agents.map((a) => a.stop()));
    await Promise.all(lapis.map((l) => l.stop()));
    await rampart?.stop();
  });

  const watchers = async () =>
    (await rampart.admin("GET", "/admin/v1/capi/watchers")).body as Watcher[];
  const community = async () =>
    (await rampart.admin("GET", "/admin/v1/capi/decisions")).body as CommunityDecision[];
  const diagnostics = () =>
    [
      ...lapis.map((l, i) => `--- lapi ${i}\n${l.logs().slice(-4000)}`),
      ...agents.map((a, i) => `--- agent ${i}\n${a.process.output().slice(-2000)}`),
      `--- rampart\n${rampart
        .logs()
        .split("\n")
        .filter((l) => !l.includes("/admin/v1/"))
        .join("\n")
        .slice(-4000)}`,
    ].join("\n");

  /** A real LAPI registered with Rampart, and a live agent feeding it an sshd brute force. */
  async function reporter(name: string, sources: string[]) {
    const onlineApi = await registerWatcher(rampart, name, `${name}-password-0123456789`);
    const lapi = await startRealLapi({ install, onlineApi });
    lapis.push(lapi);
    await lapi.addMachine(AGENT, AGENT_PASSWORD);
    const agent = startCrowdsecAgent({
      install,
      mode: "live",
      logLines: [],
      credentials: { url: lapi.url, login: AGENT, password: AGENT_PASSWORD },
    });
    agents.push(agent);
    // The agent logs in (with its scenarios, which lets 1.4.6's CAPI pull start) before it tails.
    await waitFor("the agent's login", () => /watchers\/login/.test(lapi.logs()), {
      timeoutMs: 60_000,
      diagnostics,
    });
    agent.append(sshdBruteForceLines(sources, 8, new Date()));
    await waitFor(
      `${name}'s signals on Rampart`,
      async () => {
        const w = (await watchers()).find((x) => x.machine_id === name);
        return w && w.signals_in_window >= sources.length ? w : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 1000, diagnostics },
    );
    return lapi;
  }

  it("registers, pushes signals, and after a second reporter pulls CAPI decisions", async () => {
    const a = await reporter("lapi-a", [SHARED_IP, ONLY_A_IP]);
    expect((await community()).map((d) => d.value)).not.toContain(SHARED_IP);

    // The real cscli checks the credentials against Rampart the way it would against CrowdSec's
    // (it sends the installed scenarios, so it refuses to run without any).
    installHubItems(install, a.config.configDir, ["scenarios:crowdsecurity/ssh-bf"]);
    const status = await a.cscli(["capi", "status"]);
    expect(`${status.stdout}${status.stderr}`).toMatch(/successfully interact with Central API/);

    await reporter("lapi-b", [SHARED_IP]);
    const published = await waitFor(
      "consensus on the shared address",
      async () => (await community()).find((d) => d.value === SHARED_IP),
      { timeoutMs: 30_000, diagnostics },
    );
    expect(published).toMatchObject({ scenario: "crowdsecurity/ssh-bf", reporters: 2 });
    expect((await community()).map((d) => d.value)).not.toContain(ONLY_A_IP);

    await a.restart();
    const key = await a.addBouncer("capi-e2e-bouncer");
    const stream = await waitFor(
      "CAPI decisions in lapi-a's bouncer stream",
      async () => {
        const res = await fetch(new URL("v1/decisions/stream?startup=true", a.url), {
          headers: { "X-Api-Key": key },
        });
        const body = (await res.json()) as {
          new: { origin: string; value: string; scenario: string; type: string }[] | null;
        };
        const capi = (body.new ?? []).filter((d) => d.origin === "CAPI");
        return capi.length > 0 ? capi : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 1000, diagnostics },
    );
    expect(stream.map((d) => d.value)).toEqual([SHARED_IP]);
    expect(stream[0]).toMatchObject({ scenario: "crowdsecurity/ssh-bf", type: "ban" });

    const w = (await watchers()).find((x) => x.machine_id === "lapi-a")!;
    expect(w.last_pull).not.toBeNull();
    expect(w.scenarios).toContain("crowdsecurity/ssh-bf");
    for (const lapi of lapis) expect(lapi.logs()).not.toMatch(CAPI_ERROR);
  }, 600_000);
});
