/** Test support: a small LAPI speaking the agent endpoints over node:http(s). */
import type { IncomingMessage, ServerResponse } from "node:http";
import { gunzipSync } from "node:zlib";
import {
  type EventBatch,
  type EventBatchResult,
  eventBatchSchema,
  hubRegistrationSchema,
} from "../../src/shared/ingest-wire.js";

/**
 * A small LAPI speaking the agent endpoints: login (password or a verified client certificate),
 * hub registration, event batches (gzip, 409 for an unregistered hash), heartbeat, usage metrics.
 * Knobs let tests expire or revoke tokens and forget the hub.
 */
export class FakeLapi {
  logins: { machine_id?: string; scenarios?: string[]; userAgent?: string }[] = [];
  registrations = 0;
  batches: EventBatch[] = [];
  heartbeats = 0;
  metrics: unknown[] = [];
  validTokens = new Set<string>();
  registeredHashes = new Set<string>();
  /** Answer of the events calls, when set (status, body). */
  eventsAnswer: { status: number; body: unknown } | null = null;
  /** Answer the next N events calls with 503 (then accept). */
  unavailable = 0;
  /** What an accepted batch yields (default: no overflow). */
  result: (batch: EventBatch) => EventBatchResult = (batch) => ({
    accepted: batch.events.length,
    duplicates: 0,
    overflows: 0,
    alerts: [],
  });
  tokenLifetimeMs = 3_600_000;
  now = () => Date.now();
  private counter = 0;

  async handle(req: IncomingMessage, body: Buffer): Promise<{ status: number; body?: unknown }> {
    const auth = req.headers.authorization?.replace(/^Bearer /, "");
    const json = () => JSON.parse(body.toString("utf8")) as Record<string, unknown>;
    if (req.url === "/v1/watchers/login") {
      const login = json() as { machine_id?: string; password?: string; scenarios?: string[] };
      const byCert = (req.socket as { authorized?: boolean }).authorized === true;
      if (!byCert && (login.machine_id !== "host-1" || login.password !== "secret")) {
        return { status: 401, body: { code: 401, message: "incorrect Username or Password" } };
      }
      this.logins.push({ ...login, userAgent: req.headers["user-agent"] });
      const token = `t${++this.counter}`;
      this.validTokens.add(token);
      const expire = new Date(this.now() + this.tokenLifetimeMs).toISOString();
      return { status: 200, body: { code: 200, expire, token } };
    }
    if (!auth || !this.validTokens.has(auth)) {
      return { status: 401, body: { code: 401, message: "token is expired" } };
    }
    if (req.url === "/v1/rampart/hub") {
      const registration = hubRegistrationSchema.parse(json());
      for (const s of registration.scenarios) this.registeredHashes.add(s.hash);
      this.registrations++;
      return { status: 200, body: {} };
    }
    if (req.url === "/v1/rampart/events") {
      if (this.eventsAnswer) return this.eventsAnswer;
      if (this.unavailable > 0) {
        this.unavailable--;
        return { status: 503, body: { message: "try later" } };
      }
      const text =
        req.headers["content-encoding"] === "gzip" ? gunzipSync(body).toString() : body.toString();
      const batch = eventBatchSchema.parse(JSON.parse(text));
      for (const e of batch.events) {
        for (const b of e.buckets) {
          if (!this.registeredHashes.has(b.hash)) {
            return {
              status: 409,
              body: {
                message: `unknown scenario ${b.scenario} (hash ${b.hash}): register the hub first`,
              },
            };
          }
        }
      }
      this.batches.push(batch);
      return { status: 200, body: this.result(batch) };
    }
    if (req.url === "/v1/heartbeat") {
      this.heartbeats++;
      return { status: 200 };
    }
    if (req.url === "/v1/usage-metrics") {
      this.metrics.push(json());
      return { status: 201 };
    }
    return { status: 404, body: { message: "not found" } };
  }

  listener() {
    return (req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        void this.handle(req, Buffer.concat(chunks)).then((answer) => {
          res.statusCode = answer.status;
          if (answer.body === undefined) res.end();
          else {
            res.setHeader("content-type", "application/json");
            res.end(JSON.stringify(answer.body));
          }
        });
      });
    };
  }
}
