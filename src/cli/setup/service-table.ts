/**
 * What `rampart setup detect` looks for, as data: one row per service with the evidence that it is
 * on the host (systemd unit files, process names, log files) and what it proposes when found (hub
 * collections, and the acquisition: the log files that exist, else journald when the service has
 * a unit and a journald filter). The same idea as current CrowdSec's `cscli setup` and its
 * `detect.yaml` (a `when` expression per service, a `hub_spec` and an `acquisition_spec`), kept
 * as a plain table: adding a service is adding a row.
 */

/** One service `setup detect` knows. */
export interface ServiceRow {
  /** Name shown in the proposal (and the reason lines). */
  service: string;
  /** systemd unit file names (any of them installed means the service is there). */
  units: readonly string[];
  /** Process names (`/proc/<pid>/comm`, at most 15 characters as the kernel keeps them). */
  processes: readonly string[];
  /** Log globs (Go `filepath.Glob`), read with `labels.type` = `type` when any matches. */
  logs: readonly string[];
  /** `labels.type` of the acquisition (selects the s00 parser). */
  type: string;
  /** journalctl arguments used when no log file exists but a unit does (null: files only). */
  journald: readonly string[] | null;
  /** Hub collections to install. */
  collections: readonly string[];
}

/** Always proposed on Linux: syslog parsing, date parsing and sshd (CrowdSec's base collection). */
export const BASE_COLLECTIONS = ["crowdsecurity/linux"] as const;

/**
 * The private-range whitelist parser (`crowdsecurity/whitelists`: 10/8, 172.16/12, 192.168/16,
 * 127/8, ::1, fc00::/7), proposed unless `--no-whitelists`.
 */
export const WHITELIST_PARSERS = ["crowdsecurity/whitelists"] as const;

/** Every service `setup detect` knows, in proposal order. */
export const SERVICES: readonly ServiceRow[] = [
  {
    service: "sshd",
    units: ["ssh.service", "sshd.service"],
    processes: ["sshd"],
    logs: ["/var/log/auth.log", "/var/log/secure"],
    type: "syslog",
    journald: ["_SYSTEMD_UNIT=ssh.service", "_SYSTEMD_UNIT=sshd.service"],
    collections: ["crowdsecurity/sshd"],
  },
  {
    service: "nginx",
    units: ["nginx.service"],
    processes: ["nginx"],
    logs: ["/var/log/nginx/*.log"],
    type: "nginx",
    journald: null,
    collections: ["crowdsecurity/nginx"],
  },
  {
    service: "apache2",
    units: ["apache2.service", "httpd.service"],
    processes: ["apache2", "httpd"],
    logs: ["/var/log/apache2/*.log", "/var/log/httpd/*.log", "/var/log/httpd/*_log"],
    type: "apache2",
    journald: null,
    collections: ["crowdsecurity/apache2"],
  },
  {
    service: "mysql",
    units: ["mysql.service", "mysqld.service", "mariadb.service"],
    processes: ["mysqld", "mariadbd"],
    logs: ["/var/log/mysql/error.log", "/var/log/mysqld.log"],
    type: "mysql",
    journald: null,
    collections: ["crowdsecurity/mysql"],
  },
  {
    service: "postfix",
    units: ["postfix.service", "postfix@-.service"],
    processes: [],
    logs: ["/var/log/mail.log", "/var/log/maillog"],
    type: "syslog",
    journald: ["_SYSTEMD_UNIT=postfix@-.service"],
    collections: ["crowdsecurity/postfix"],
  },
];

/** Where systemd unit files live (Debian's and the generic ones), relative to the root. */
export const UNIT_DIRS = [
  "/etc/systemd/system",
  "/lib/systemd/system",
  "/usr/lib/systemd/system",
] as const;

/** The system log, read for the base collection when it exists. */
export const SYSLOG_FILES = ["/var/log/syslog", "/var/log/messages", "/var/log/kern.log"] as const;
