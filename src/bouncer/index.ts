import type { Env } from "./env";
import { createBouncerWorker } from "./handler";

export { DecisionStore } from "./sync/decision-store";

const bouncer = createBouncerWorker();

export default {
  fetch: bouncer.fetch,
  scheduled: bouncer.scheduled,
} satisfies ExportedHandler<Env>;
