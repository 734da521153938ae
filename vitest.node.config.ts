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
  },
});
