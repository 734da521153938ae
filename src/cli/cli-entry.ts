#!/usr/bin/env node
/**
 * Entry of the `rampart` bin: `npm run build:cli` bundles it into `dist/rampart.mjs` (the
 * package's `bin`; `npm install` and `npm ci` build it through the `prepare` script), with the npm
 * dependencies left in `node_modules`. Tests run this file from source through tsx
 * (`test/support/bins.ts`), so they never run a stale build.
 */
import { main } from "./main.js";

process.exitCode = await main(process.argv.slice(2));
