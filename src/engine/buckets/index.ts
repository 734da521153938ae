export type { AlertBody, AlertSourceBody } from "./alert.js";
export {
  BUCKET_TYPES,
  type BucketType,
  type CompiledScenario,
  compileScenario,
  type ScenarioCompileContext,
} from "./compile.js";
export {
  decodeScenarioFile,
  type ScenarioConfig,
  ScenarioConfigError,
  scenarioConfigSchema,
} from "./config.js";
export {
  type BucketManager,
  type BucketSnapshot,
  bucketKey,
  createBucketManager,
  overflowEvent,
  type RouteResult,
} from "./manager.js";
export {
  type BlackholeState,
  type BucketOverflow,
  type BucketState,
  expire,
  newBucket,
  type PourResult,
  pour,
} from "./pour.js";
export { type BucketRoute, type EventRoutes, routeEvent } from "./routing.js";
