import type { WireAlert, WireDecision, WireMetaItem } from "../../shared/wire/alert.js";

/**
 * The alert as a profile sees it: CrowdSec's `models.Alert` JSON as posted (`POST /v1/alerts`
 * or a bucket overflow), before anything is stored. The shared wire model, as the LAPI decodes it.
 */
export type ProfileAlertInput = WireAlert;
export type ProfileMetaItem = WireMetaItem;
export type ProfileDecisionInput = WireDecision;

/** A decision a profile generated (CrowdSec `models.Decision` as posted). */
export interface GeneratedDecision {
  type: string;
  duration: string;
  scope: string;
  value: string;
  origin: string;
  scenario: string;
  /** The profile decision's `simulated` flag or the alert's (GenerateDecisionFromProfile). */
  simulated: boolean;
}
