#!/usr/bin/env node
// Builds the web console (src/console) into dist/console-assets/console/, the directory
// wrangler.toml's `[assets]` serves: app.ts bundled by esbuild (no run-time CDN fetches), the
// HTML and CSS copied as they are. wrangler runs this as the `[build]` command (dev and
// deploy); the Workers test config and the benches call it too.
import { copyFileSync, mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const src = path.join(root, "src", "console");
const out = path.join(root, "dist", "console-assets", "console");

/** Writes the console's files; resolves once they are all in place. */
export async function buildConsole() {
  mkdirSync(out, { recursive: true });
  await build({
    entryPoints: [path.join(src, "main.ts")],
    bundle: true,
    format: "esm",
    target: "es2022",
    minify: true,
    sourcemap: false,
    legalComments: "none",
    outfile: path.join(out, "app.js"),
    logLevel: "warning",
  });
  for (const file of ["index.html", "console.css"]) {
    copyFileSync(path.join(src, file), path.join(out, file));
  }
  return out;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await buildConsole();
}
