import { WorkerEntrypoint } from "cloudflare:workers";
import { openDb } from "../../db/client";
import type { Env } from "../env";
import { ProfileCache } from "../profiles/profile-cache";
import { deliverOutboxes } from "./deliver";
import { HubCache } from "./hub-cache";
import { loadIngestConfig } from "./ingest-config";
import type { OutboxBatch, OverflowDeliveryApi, Settled } from "./pour-rpc";

/**
 * The overflow delivery as an RPC entrypoint of the Worker (service binding `DELIVERY`, bound to
 * this Worker itself). A bucket object's alarm hands it the outbox entries nobody acknowledged;
 * it runs exactly the delivery the events endpoint runs ({@link deliverOutboxes}), acks back to
 * the object, and re-pours `reprocess` overflows from here — so no object delivers or pours
 * into another object itself.
 */
export class OverflowDelivery extends WorkerEntrypoint<Env> implements OverflowDeliveryApi {
  async deliver(batches: OutboxBatch[]): Promise<Settled> {
    return deliverOutboxes(
      {
        env: this.env,
        db: openDb(this.env.DB),
        config: loadIngestConfig(this.env),
        // Alarm deliveries are the exception (a request died): compiling per call is fine.
        hub: new HubCache(),
        waitUntil: (p) => this.ctx.waitUntil(p),
        profiles: new ProfileCache(),
        now: Date.now(),
      },
      batches,
    );
  }
}
