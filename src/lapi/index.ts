import { createApp } from "./app";
import type { Env } from "./env";
import { runHousekeeping } from "./housekeeping";

export { BucketObject } from "./buckets/bucket-object";
export { OverflowDelivery } from "./ingest/delivery-entrypoint";

const app = createApp();

export default {
  fetch: app.fetch,
  async scheduled(_controller, env, ctx) {
    ctx.waitUntil(runHousekeeping(env, Date.now()));
  },
} satisfies ExportedHandler<Env>;
