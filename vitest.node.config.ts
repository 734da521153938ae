import { defineConfig } from "vitest/config";

/** Runtime-neutral and Node unit tests (engine, shared, agent, CLI). */
export default defineConfig({
  test: {
    include: [
      "src/engine/**/*.test.ts",
      "src/shared/**/*.test.ts",
      "src/cli/**/*.test.ts",
      "src/bouncer/**/*.test.ts",
      "agent/**/*.test.ts",
      "test/node/**/*.test.ts",
    ],
    passWithNoTests: false,
    // A hang guard, not a timing: source tests with real files, processes and sockets take a few
    // seconds on two busy cores (5 s timed out under CI-like load).
    testTimeout: 20_000,
  },
});
