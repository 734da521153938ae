import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { EventBatch, HubRegistration } from "../../src/shared/ingest-wire.js";
import { skipUnlessPresent } from "../../test/oracle/prerequisites.js";
import { tempDir } from "../../test/support/acquisition.js";
import { FakeLapi } from "../../test/support/fake-lapi.js";
import type { LapiCredentials } from "../config/credentials.js";
import { LapiError } from "./lapi-error.js";
import { type ClosableLapiSession, createLapiSession } from "./lapi-session.js";

const HASH = "a".repeat(64);
const REGISTRATION: HubRegistration = {
  scenarios: [{ name: "me/ssh-bf", hash: HASH, version: "0.1", content: "name: me/ssh-bf\n" }],
  postoverflows: [],
  data: {},
};
const BATCH: EventBatch = {
  events: [
    {
      id: "host-1/f/1:2:30",
      time: 1,
      buckets: [{ scenario: "me/ssh-bf", hash: HASH, group: "1.2.3.4" }],
      event: { Meta: { source_ip: "1.2.3.4" } },
    },
  ],
};

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function listen(server: Server): Promise<number> {
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  cleanups.push(
    () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  );
  return (server.address() as AddressInfo).port;
}

/** A loopback port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createHttpServer();
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

async function start(
  opts: { now?: () => number } = {},
): Promise<{ lapi: FakeLapi; session: ClosableLapiSession; url: string }> {
  const lapi = new FakeLapi();
  const port = await listen(createHttpServer(lapi.listener()));
  const url = `http://127.0.0.1:${port}/`;
  const credentials: LapiCredentials = {
    url,
    auth: { kind: "password", login: "host-1", password: "secret" },
    caCertPath: null,
  };
  const session = createLapiSession({
    credentials,
    scenarios: ["me/ssh-bf"],
    registration: REGISTRATION,
    ...(opts.now ? { now: opts.now } : {}),
  });
  cleanups.push(() => session.close());
  return { lapi, session, url };
}

describe("LAPI session", () => {
  it("logs in with the scenarios, registers the hub once and posts a gzip batch", async () => {
    const { lapi, session } = await start();
    const result = await session.postEvents(BATCH);
    expect(result).toEqual({ accepted: 1, duplicates: 0, overflows: 0, alerts: [] });
    await session.postEvents(BATCH);
    await session.heartbeat();
    await session.pushUsageMetrics({ log_processors: [] });
    expect(lapi.logins).toEqual([
      {
        machine_id: "host-1",
        password: "secret",
        scenarios: ["me/ssh-bf"],
        userAgent: "rampart-agent/0.1.0",
      },
    ]);
    expect(lapi.registrations).toBe(1);
    expect(lapi.batches).toEqual([BATCH, BATCH]);
    expect(lapi.heartbeats).toBe(1);
    expect(lapi.metrics).toEqual([{ log_processors: [] }]);
  });

  it("renews the token shortly before it expires and registers the hub again", async () => {
    let clock = Date.now();
    const { lapi, session } = await start({ now: () => clock });
    lapi.now = () => clock;
    lapi.tokenLifetimeMs = 120_000;
    await session.postEvents(BATCH);
    clock += 50_000; // 70 s left: still good
    await session.heartbeat();
    expect(lapi.logins).toHaveLength(1);
    clock += 20_000; // 50 s left: inside the 60 s renewal margin
    await session.heartbeat();
    expect(lapi.logins).toHaveLength(2);
    expect(lapi.registrations).toBe(2);
  });

  it("logs in again once when the LAPI answers 401 to a valid-looking token", async () => {
    const { lapi, session } = await start();
    await session.ensureLoggedIn();
    lapi.validTokens.clear(); // e.g. the LAPI restarted with a new secret
    await session.postEvents(BATCH);
    expect(lapi.logins).toHaveLength(2);
    expect(lapi.batches).toHaveLength(1);
  });

  it("registers the hub again once on 409 and retries the batch", async () => {
    const { lapi, session } = await start();
    await session.ensureLoggedIn();
    lapi.registeredHashes.clear(); // the LAPI lost (or replaced) the registry
    await session.postEvents(BATCH);
    expect(lapi.registrations).toBe(2);
    expect(lapi.batches).toHaveLength(1);
  });

  it("gives up with a non-retryable 409 when the registration does not cover the batch", async () => {
    const { session } = await start();
    const stale: EventBatch = {
      events: [
        { ...BATCH.events[0]!, buckets: [{ scenario: "me/x", hash: "b".repeat(64), group: "" }] },
      ],
    };
    const error = await session.postEvents(stale).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LapiError);
    expect(error).toMatchObject({ status: 409, retryable: false });
    expect((error as Error).message).toContain("register the hub first");
  });

  it("marks 4xx answers non-retryable and 5xx, 429 and network errors retryable", async () => {
    const { lapi, session } = await start();
    const attempt = () =>
      session.postEvents(BATCH).then(
        () => new Error("the batch was accepted"),
        (e: unknown) => e as LapiError,
      );
    lapi.eventsAnswer = { status: 400, body: { message: "invalid batch" } };
    expect(await attempt()).toMatchObject({ status: 400, retryable: false });
    expect((await attempt()).message).toBe("POST /v1/rampart/events: 400 invalid batch");
    lapi.eventsAnswer = { status: 503, body: { message: "busy" } };
    expect(await attempt()).toMatchObject({ status: 503, retryable: true });
    lapi.eventsAnswer = { status: 429, body: { message: "slow down" } };
    expect(await attempt()).toMatchObject({ status: 429, retryable: true });

    const unreachable = createLapiSession({
      credentials: {
        url: `http://127.0.0.1:${await closedPort()}/`,
        auth: { kind: "password", login: "host-1", password: "secret" },
        caCertPath: null,
      },
      scenarios: [],
      registration: REGISTRATION,
    });
    cleanups.push(() => unreachable.close());
    const error = await unreachable.heartbeat().catch((e: unknown) => e);
    expect(error).toMatchObject({ status: null, retryable: true });
  });

  it("fails a wrong password with a non-retryable 401 naming the reason", async () => {
    const { url } = await start();
    const session = createLapiSession({
      credentials: {
        url,
        auth: { kind: "password", login: "host-1", password: "nope" },
        caCertPath: null,
      },
      scenarios: [],
      registration: REGISTRATION,
    });
    cleanups.push(() => session.close());
    const error = await session.ensureLoggedIn().catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 401, retryable: false });
    expect((error as Error).message).toContain("incorrect Username or Password");
  });
});

const skipTls = skipUnlessPresent(
  "LAPI session with a client certificate",
  existsSync("/usr/bin/openssl") ? [] : ["/usr/bin/openssl"],
  "apt-get install openssl",
);

describe.skipIf(skipTls)("LAPI session with a client certificate", () => {
  it("logs in over TLS with the certificate, trusting the LAPI through ca_cert_path", async () => {
    const t = tempDir("rampart-lapi-tls-");
    cleanups.push(t.cleanup);
    const at = (name: string) => join(t.dir, name);
    const openssl = (...args: string[]) => execFileSync("openssl", args, { stdio: "ignore" });
    openssl(
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-days",
      "1",
      "-subj",
      "/CN=test-ca",
      "-keyout",
      at("ca.key"),
      "-out",
      at("ca.pem"),
    );
    for (const [name, cn, ext] of [
      ["server", "127.0.0.1", "subjectAltName=IP:127.0.0.1"],
      ["agent", "host-1", "extendedKeyUsage=clientAuth"],
    ] as const) {
      openssl(
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-subj",
        `/OU=agent-ou/CN=${cn}`,
        "-keyout",
        at(`${name}.key`),
        "-out",
        at(`${name}.csr`),
      );
      writeFileSync(at(`${name}.ext`), `${ext}\n`);
      openssl(
        "x509",
        "-req",
        "-in",
        at(`${name}.csr`),
        "-CA",
        at("ca.pem"),
        "-CAkey",
        at("ca.key"),
        "-CAcreateserial",
        "-days",
        "1",
        "-extfile",
        at(`${name}.ext`),
        "-out",
        at(`${name}.pem`),
      );
    }
    const lapi = new FakeLapi();
    const server = createHttpsServer(
      {
        key: readFileSync(at("server.key")),
        cert: readFileSync(at("server.pem")),
        ca: readFileSync(at("ca.pem")),
        requestCert: true,
        rejectUnauthorized: true,
      },
      lapi.listener(),
    );
    const port = await listen(server as unknown as Server);
    const session = createLapiSession({
      credentials: {
        url: `https://127.0.0.1:${port}/`,
        auth: { kind: "certificate", certPath: at("agent.pem"), keyPath: at("agent.key") },
        caCertPath: at("ca.pem"),
      },
      scenarios: ["me/ssh-bf"],
      registration: REGISTRATION,
    });
    cleanups.push(() => session.close());
    await session.postEvents(BATCH);
    expect(lapi.logins).toEqual([{ scenarios: ["me/ssh-bf"], userAgent: "rampart-agent/0.1.0" }]);
    expect(lapi.batches).toHaveLength(1);
  });
});
