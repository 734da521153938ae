/**
 * The grok pattern files of CrowdSec's `config/patterns` (crowdsecurity/crowdsec v1.7.5, the
 * release `DEFAULTS.patternsUrl` pins; the same 24 names as 1.4.6's `/etc/crowdsec/patterns`).
 * A raw file host has no directory listing, so `rampart hub update` fetches these names.
 */
export const PATTERN_FILES = [
  "aws",
  "bacula",
  "bro",
  "cowrie_honeypot",
  "exim",
  "firewalls",
  "haproxy",
  "java",
  "junos",
  "linux-syslog",
  "mcollective",
  "modsecurity",
  "mongodb",
  "mysql",
  "nagios",
  "nginx",
  "paths",
  "postgresql",
  "rails",
  "redis",
  "ruby",
  "smb",
  "ssh",
  "tcpdump",
] as const;
