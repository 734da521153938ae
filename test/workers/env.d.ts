import type { D1Migration } from "cloudflare:test";
import type { Env } from "../../src/lapi/env";

declare global {
  namespace Cloudflare {
    interface Env extends import("../../src/lapi/env").Env {
      TEST_MIGRATIONS: D1Migration[];
    }
  }
}
export type { Env };
