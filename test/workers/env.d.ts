import type { D1Migration } from "cloudflare:test";
import type { Env as LapiEnv } from "../../src/lapi/env";

declare global {
  namespace Cloudflare {
    interface Env extends LapiEnv {
      TEST_MIGRATIONS: D1Migration[];
      /** A 3-per-minute limiter standing in for the wrangler.toml limits in rate-limit tests. */
      STRICT_RATE_LIMIT: RateLimit;
      /** Seed and cases per route of the fuzz suite (empty: the defaults). */
      FUZZ_SEED: string;
      FUZZ_CASES: string;
    }
  }
}
