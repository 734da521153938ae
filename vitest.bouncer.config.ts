import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";
import { createStreamLapi, STREAM_LAPI_KEY } from "./test/bouncer/stream-lapi";

/** Workers-runtime tests of the edge bouncer (src/bouncer), with its Durable Object. */
export default defineConfig(() => {
  const lapi = createStreamLapi();
  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: "./src/bouncer/wrangler.toml" },
        miniflare: {
          bindings: {
            LAPI_KEY: STREAM_LAPI_KEY,
            // Tests sync on demand (`/.rampart/sync`); keep the background loops out of the way.
            SYNC_INTERVAL: "1h",
            REFRESH_INTERVAL: "1h",
            METRICS_INTERVAL: "1h",
            CONTROL_TOKEN: "test-control-token",
            TURNSTILE_SITE_KEY: "1x00000000000000000000AA",
            TURNSTILE_SECRET_KEY: "1x0000000000000000000000000000000AA",
            TURNSTILE_VERIFY_URL: "https://siteverify.test/turnstile/v0/siteverify",
            CAPTCHA_COOKIE_SECRET: "test-cookie-secret-0123456789abcdef0123456789",
            REMEDIATIONS: JSON.stringify([
              { hosts: ["api.site.test"], actions: ["ban"], default_action: "ban" },
              { hosts: ["static.site.test"], actions: [], default_action: "none" },
              {
                hosts: ["*.site.test", "site.test"],
                path_prefix: "/",
                actions: ["ban", "captcha"],
                default_action: "captcha",
              },
            ]),
          },
          serviceBindings: {
            LAPI: lapi,
            // The protected origin: echoes what it received, so tests can see the forwarded request.
            ORIGIN: async (request: Request) =>
              Response.json({
                origin: true,
                method: request.method,
                url: request.url,
                body: await request.text(),
                contentType: request.headers.get("Content-Type"),
              }),
          },
        },
      }),
    ],
    test: {
      include: ["test/bouncer/**/*.test.ts"],
      fileParallelism: false,
      // The 70,000-decision snapshot test does real SQLite work on a shared 2-core machine.
      testTimeout: 30_000,
    },
  };
});
