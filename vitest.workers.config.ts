import { readFileSync } from "node:fs";
import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";
import { buildConsole } from "./scripts/build-console.mjs";
import { crowdsecInstall, shouldSkipWithoutOracle } from "./test/oracle/crowdsec-config.js";
import { gzipBomb } from "./test/support/gzip-bomb.js";
import { clientCertificates } from "./test/support/test-certs.js";

/**
 * Debian CrowdSec 1.4.6 hub files the ingestion tests register (read at run time, never copied
 * into the repository): relative path under `usr/share/crowdsec/` → content; null when the oracle
 * is missing locally (a banner says so; in CI that is a failure).
 */
function crowdsecHubFiles(): Record<string, string> | null {
  const install = crowdsecInstall();
  if (shouldSkipWithoutOracle(install, "Workers tests on the Debian hub (ingestion, buckets)")) {
    return null;
  }
  const root = path.join(install.root, "usr/share/crowdsec");
  const files = [
    "hub/scenarios/crowdsecurity/ssh-bf.yaml",
    "hub/scenarios/crowdsecurity/ssh-slow-bf.yaml",
    "hub/scenarios/crowdsecurity/http-probing.yaml",
    "hub/postoverflows/s00-enrich/crowdsecurity/rdns.yaml",
    "hub/postoverflows/s01-whitelist/crowdsecurity/cdn-whitelist.yaml",
    "hub/postoverflows/s01-whitelist/crowdsecurity/seo-bots-whitelist.yaml",
    "data/cloudflare_ips.txt",
    "data/ip_seo_bots.txt",
    "data/rdns_seo_bots.txt",
    "data/rnds_seo_bots.regex",
  ];
  return Object.fromEntries(files.map((f) => [f, readFileSync(path.join(root, f), "utf8")]));
}

export default defineConfig(async () => {
  // wrangler.toml's `[assets]` directory must exist before the pool reads the config.
  await buildConsole();
  const migrations = await readD1Migrations(path.join(import.meta.dirname, "migrations"));
  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: {
          bindings: {
            TEST_MIGRATIONS: migrations,
            JWT_SECRET: "test-secret-0123456789abcdef0123456789abcdef0123456789abcdef0123456789",
            ADMIN_TOKEN: "test-admin-token",
            AUTO_REGISTRATION_TOKEN: "a".repeat(32),
            METRICS_TOKEN: "m".repeat(32),
            // Tests write D1 directly too: re-sync the isolate's decision index on every lookup.
            DECISION_CACHE_REFRESH_MS: "0",
            // test/workers/fuzz.test.ts: replay a run with FUZZ_SEED=<n> (and FUZZ_CASES=<n>).
            FUZZ_SEED: process.env.FUZZ_SEED ?? "",
            FUZZ_CASES: process.env.FUZZ_CASES ?? "",
            // The Central API server's routes (src/lapi/routes/capi.ts) are off by default.
            CAPI_SERVER: "on",
          },
          // The suites log in and register hundreds of times from one address; the limits of
          // wrangler.toml are exercised through STRICT_RATE_LIMIT (test/workers/identity.test.ts).
          ratelimits: {
            REGISTER_RATE_LIMIT: { simple: { limit: 100_000, period: 60 } },
            LOGIN_FAILURE_RATE_LIMIT: { simple: { limit: 100_000, period: 60 } },
            STRICT_RATE_LIMIT: { simple: { limit: 3, period: 60 } },
          },
        },
      }),
    ],
    test: {
      include: ["test/workers/**/*.test.ts", "src/lapi/**/*.test.ts", "src/db/**/*.test.ts"],
      setupFiles: ["./test/workers/apply-migrations.ts"],
      provide: {
        crowdsecHub: crowdsecHubFiles(),
        // A ~1 MB body inflating to 1 GiB (issue 12, hole 5), built on the Node side.
        gzipBomb1GiB: gzipBomb(1024).toString("base64"),
        // Client certificates a TLS front passes in headers (test/workers/proxy-cert.test.ts).
        proxyCerts: clientCertificates({
          agent: "/O=Rampart test/OU=agent-ou/CN=agent-1",
          bouncer: "/O=Rampart test/OU=bouncer-ou/CN=bouncer-1",
          wrongOu: "/O=Rampart test/OU=other-ou/CN=intruder",
          noCn: "/O=Rampart test/OU=agent-ou",
        }),
      },
    },
  };
});
