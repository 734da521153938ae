/**
 * LAPI profiles (`profiles.yaml`): config schema, compilation and evaluation of alerts into
 * decisions and notifications. Runtime-neutral: the caller supplies the database helpers.
 */

export { ExprAlert } from "./alert-env.js";
export type { GeneratedDecision, ProfileAlertInput } from "./alert-input.js";
export {
  type CompiledProfile,
  type CompiledProfiles,
  compileProfileConfigs,
  compileProfiles,
} from "./compile-profiles.js";
export { DEFAULT_PROFILES_YAML } from "./default-profiles.js";
export {
  evaluateProfiles,
  type ProfileNotification,
  type ProfileOutcome,
  type ProfileSubject,
} from "./evaluate-profiles.js";
export {
  type ConfigIssue,
  type ConfigResult,
  formatIssue,
  type ProfileConfig,
  type ProfileDecisionConfig,
  parseProfiles,
  parseYamlDocuments,
  profileSchema,
  zodIssue,
} from "./profile-config.js";
export {
  type HelperCall,
  type HelperFetcher,
  PROFILE_HELPERS,
  type ProfileHelperName,
} from "./profile-helpers.js";
