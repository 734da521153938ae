import { defineConfig } from "vitest/config";

/** End-to-end and differential tests against the real CrowdSec 1.4.6 binaries. */
export default defineConfig({
  test: {
    include: ["test/e2e/**/*.test.ts"],
    testTimeout: 300_000,
    hookTimeout: 600_000,
    fileParallelism: false,
  },
});
