import { openDb } from "../db/client";
import { createApp } from "./app";
import { capiClientConfig, runCapiClient } from "./capi-client/sync";
import { discardBody } from "./capped-body";
import type { Env } from "./env";
import { runHousekeeping } from "./housekeeping";
import { runListSyncs } from "./lists/list-cron";

export { BucketObject } from "./buckets/bucket-object";
export { OverflowDelivery } from "./ingest/delivery-entrypoint";
export { MetricsObject } from "./metrics/metrics-object";

const app = createApp();

export default {
  async fetch(request, env, ctx) {
    const response = await app.fetch(request, env, ctx);
    // Answers sent before reading the body (auth failures, declared sizes over the cap) still
    // consume the upload, so the local proxy delivers them (see capped-body.ts).
    if (request.body && !request.bodyUsed) await discardBody(request.body);
    return response;
  },
  async scheduled(_controller, env, ctx) {
    const now = Date.now();
    // Each job logs its own failure: one that throws must not hide, or stop, the others.
    ctx.waitUntil(
      runHousekeeping(env, now).catch((e: Error) => console.error(`housekeeping: ${e.stack}`)),
    );
    ctx.waitUntil(
      runListSyncs(env, now).catch((e: Error) => console.error(`list syncs: ${e.stack}`)),
    );
    const capi = capiClientConfig(env);
    if (capi) {
      const deps = {
        db: openDb(env.DB),
        fetch,
        config: capi,
        userAgent: "crowdsec/v1.4.6-rampart",
      };
      ctx.waitUntil(
        runCapiClient(deps, now).catch((e: Error) => console.error(`capi client: ${e.message}`)),
      );
    }
  },
} satisfies ExportedHandler<Env>;
