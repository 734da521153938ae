import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

export default defineConfig(async () => {
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
            // Tests write D1 directly too: re-sync the isolate's decision index on every lookup.
            DECISION_CACHE_REFRESH_MS: "0",
          },
        },
      }),
    ],
    test: {
      include: ["test/workers/**/*.test.ts", "src/lapi/**/*.test.ts", "src/db/**/*.test.ts"],
      setupFiles: ["./test/workers/apply-migrations.ts"],
    },
  };
});
