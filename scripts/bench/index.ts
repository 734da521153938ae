/**
 * `npm run bench [-- name…]`: runs every benchmark module in this folder (each exports
 * `run(): Promise<void>` and prints its figures side by side with the reference CrowdSec).
 * Benchmarks print; they never assert timings.
 */
import { readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const dir = path.dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const modules = readdirSync(dir)
  .filter((f) => f.endsWith(".ts") && f !== "index.ts" && !f.includes(".test."))
  .map((f) => f.slice(0, -3))
  .filter((name) => wanted.length === 0 || wanted.includes(name))
  .sort();

if (modules.length === 0) {
  console.error(`no benchmark matches ${wanted.join(", ")}`);
  process.exit(2);
}

let failed = false;
for (const name of modules) {
  const mod = (await import(pathToFileURL(path.join(dir, `${name}.ts`)).href)) as {
    run?: () => Promise<void>;
  };
  if (typeof mod.run !== "function") continue;
  console.log(`\n=== bench: ${name} ===`);
  try {
    await mod.run();
  } catch (e) {
    failed = true;
    console.error(`bench ${name} failed:`, e);
  }
}
process.exit(failed ? 1 : 0);
