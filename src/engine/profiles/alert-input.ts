/**
 * The alert as a profile sees it: CrowdSec's `models.Alert` JSON as posted (`POST /v1/alerts`
 * or a bucket overflow), before anything is stored. Structurally the LAPI's `AlertIn`.
 */
export interface ProfileMetaItem {
  key?: string;
  value?: string;
}

export interface ProfileDecisionInput {
  duration?: string;
  origin?: string;
  scenario?: string;
  scope?: string;
  type?: string;
  value?: string;
  simulated?: boolean;
}

export interface ProfileAlertInput {
  capacity?: number;
  decisions?: (ProfileDecisionInput | undefined)[];
  events?: ({ meta?: (ProfileMetaItem | undefined)[]; timestamp?: string } | undefined)[];
  events_count?: number;
  kind?: string;
  leakspeed?: string;
  message?: string;
  meta?: (ProfileMetaItem | undefined)[];
  remediation?: boolean;
  scenario?: string;
  scenario_hash?: string;
  scenario_version?: string;
  simulated?: boolean;
  source?: {
    as_name?: string;
    as_number?: string;
    cn?: string;
    ip?: string;
    latitude?: number;
    longitude?: number;
    range?: string;
    scope?: string;
    value?: string;
  };
  start_at?: string;
  stop_at?: string;
}

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
