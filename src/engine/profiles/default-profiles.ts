/**
 * The profiles used while none are stored: the semantics of the Debian CrowdSec 1.4.6
 * `/etc/crowdsec/profiles.yaml` — an `Ip` alert with remediation gets a 4h ban, and evaluation
 * stops there. (CrowdSec 1.6.3+ adds the same rule for `Range` alerts; the 1.4.6 oracle the
 * differential tests compare with has only the `Ip` one, so `Range` alerts get no decision.)
 */
export const DEFAULT_PROFILES_YAML = `# Rampart's default profile (what the LAPI applies while no profiles are stored).
name: default_ip_remediation
filters:
  - Alert.Remediation == true && Alert.GetScope() == "Ip"
decisions:
  - type: ban
    duration: 4h
on_success: break
`;
