#!/usr/bin/env -S node --max-semi-space-size=1
/**
 * Entry of the `rampart-agent` bin: `npm run build:agent` bundles it into
 * `dist/rampart-agent.mjs` (the package's `bin`; `npm install` and `npm ci` build it through the
 * `prepare` script), one file with every dependency inside, runnable with plain `node` 20 on a
 * host without `node_modules` (the systemd unit runs it). Tests run this file from source through
 * tsx (`test/support/bins.ts`), so they never run a stale build.
 */
import { main } from "../main.js";

process.exitCode = await main(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
});
