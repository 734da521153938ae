CREATE TABLE `alerts` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`uuid` text NOT NULL,
	`machine_id` text DEFAULT '' NOT NULL,
	`scenario` text NOT NULL,
	`scenario_hash` text DEFAULT '' NOT NULL,
	`scenario_version` text DEFAULT '' NOT NULL,
	`message` text DEFAULT '' NOT NULL,
	`kind` text DEFAULT '' NOT NULL,
	`events_count` integer DEFAULT 0 NOT NULL,
	`start_at` text NOT NULL,
	`start_at_ms` integer NOT NULL,
	`stop_at` text NOT NULL,
	`stop_at_ms` integer NOT NULL,
	`leakspeed` text DEFAULT '' NOT NULL,
	`capacity` integer DEFAULT 0 NOT NULL,
	`simulated` integer DEFAULT false NOT NULL,
	`remediation` integer DEFAULT false NOT NULL,
	`source_scope` text DEFAULT '' NOT NULL,
	`source_value` text DEFAULT '' NOT NULL,
	`source_ip` text DEFAULT '' NOT NULL,
	`source_range` text DEFAULT '' NOT NULL,
	`source_as_number` text DEFAULT '' NOT NULL,
	`source_as_name` text DEFAULT '' NOT NULL,
	`source_country` text DEFAULT '' NOT NULL,
	`source_latitude` real DEFAULT 0 NOT NULL,
	`source_longitude` real DEFAULT 0 NOT NULL,
	`created_at` integer DEFAULT (CAST(unixepoch('subsec') * 1000 AS INTEGER)) NOT NULL,
	`updated_at` integer DEFAULT (CAST(unixepoch('subsec') * 1000 AS INTEGER)) NOT NULL
);
--> statement-breakpoint
CREATE INDEX `alerts_created_at` ON `alerts` (`created_at`);--> statement-breakpoint
CREATE INDEX `alerts_start_at_ms` ON `alerts` (`start_at_ms`);--> statement-breakpoint
CREATE INDEX `alerts_source` ON `alerts` (`source_scope`,`source_value`);--> statement-breakpoint
CREATE TABLE `allowlist_items` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`allowlist_id` integer NOT NULL,
	`value` text NOT NULL,
	`comment` text DEFAULT '' NOT NULL,
	`expires_at` integer,
	`ip_size` integer NOT NULL,
	`start_ip` blob NOT NULL,
	`end_ip` blob NOT NULL,
	`created_at` integer DEFAULT (CAST(unixepoch('subsec') * 1000 AS INTEGER)) NOT NULL,
	`updated_at` integer DEFAULT (CAST(unixepoch('subsec') * 1000 AS INTEGER)) NOT NULL,
	FOREIGN KEY (`allowlist_id`) REFERENCES `allowlists`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `allowlist_items_list` ON `allowlist_items` (`allowlist_id`);--> statement-breakpoint
CREATE INDEX `allowlist_items_ip` ON `allowlist_items` (`ip_size`,`start_ip`,`end_ip`);--> statement-breakpoint
CREATE TABLE `allowlists` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`allowlist_id` text NOT NULL,
	`name` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`from_console` integer DEFAULT false NOT NULL,
	`created_at` integer DEFAULT (CAST(unixepoch('subsec') * 1000 AS INTEGER)) NOT NULL,
	`updated_at` integer DEFAULT (CAST(unixepoch('subsec') * 1000 AS INTEGER)) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `allowlists_name` ON `allowlists` (`name`);--> statement-breakpoint
CREATE TABLE `bouncers` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name` text NOT NULL,
	`api_key_hash` text NOT NULL,
	`ip_address` text DEFAULT '' NOT NULL,
	`type` text DEFAULT '' NOT NULL,
	`version` text DEFAULT '' NOT NULL,
	`auth_type` text DEFAULT 'api-key' NOT NULL,
	`auto_created` integer DEFAULT false NOT NULL,
	`revoked` integer DEFAULT false NOT NULL,
	`os_name` text,
	`os_version` text,
	`featureflags` text,
	`last_pull` integer,
	`created_at` integer DEFAULT (CAST(unixepoch('subsec') * 1000 AS INTEGER)) NOT NULL,
	`updated_at` integer DEFAULT (CAST(unixepoch('subsec') * 1000 AS INTEGER)) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `bouncers_name` ON `bouncers` (`name`);--> statement-breakpoint
CREATE INDEX `bouncers_api_key_hash` ON `bouncers` (`api_key_hash`);--> statement-breakpoint
CREATE TABLE `decisions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`uuid` text NOT NULL,
	`alert_id` integer NOT NULL,
	`until` integer NOT NULL,
	`scenario` text NOT NULL,
	`type` text NOT NULL,
	`scope` text NOT NULL,
	`value` text NOT NULL,
	`origin` text NOT NULL,
	`simulated` integer DEFAULT false NOT NULL,
	`ip_size` integer DEFAULT 0 NOT NULL,
	`start_ip` blob,
	`end_ip` blob,
	`created_at` integer DEFAULT (CAST(unixepoch('subsec') * 1000 AS INTEGER)) NOT NULL,
	`updated_at` integer DEFAULT (CAST(unixepoch('subsec') * 1000 AS INTEGER)) NOT NULL,
	FOREIGN KEY (`alert_id`) REFERENCES `alerts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `decisions_ip` ON `decisions` (`ip_size`,`start_ip`,`end_ip`);--> statement-breakpoint
CREATE INDEX `decisions_dedup` ON `decisions` (`value`,`type`,`scope`,`until`);--> statement-breakpoint
CREATE INDEX `decisions_until` ON `decisions` (`until`);--> statement-breakpoint
CREATE INDEX `decisions_created_at` ON `decisions` (`created_at`);--> statement-breakpoint
CREATE INDEX `decisions_alert_id` ON `decisions` (`alert_id`);--> statement-breakpoint
CREATE TABLE `events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`alert_id` integer NOT NULL,
	`time` text NOT NULL,
	`serialized` text NOT NULL,
	FOREIGN KEY (`alert_id`) REFERENCES `alerts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `events_alert_id` ON `events` (`alert_id`);--> statement-breakpoint
CREATE TABLE `ip_prefix_lengths` (
	`ip_size` integer NOT NULL,
	`prefix_len` integer NOT NULL,
	PRIMARY KEY(`ip_size`, `prefix_len`)
);
--> statement-breakpoint
CREATE TABLE `machines` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`machine_id` text NOT NULL,
	`password` text NOT NULL,
	`ip_address` text DEFAULT '' NOT NULL,
	`scenarios` text DEFAULT '' NOT NULL,
	`version` text DEFAULT '' NOT NULL,
	`is_validated` integer DEFAULT false NOT NULL,
	`auth_type` text DEFAULT 'password' NOT NULL,
	`os_name` text,
	`os_version` text,
	`featureflags` text,
	`hubstate` text,
	`datasources` text,
	`last_heartbeat` integer,
	`last_push` integer,
	`created_at` integer DEFAULT (CAST(unixepoch('subsec') * 1000 AS INTEGER)) NOT NULL,
	`updated_at` integer DEFAULT (CAST(unixepoch('subsec') * 1000 AS INTEGER)) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `machines_machine_id` ON `machines` (`machine_id`);--> statement-breakpoint
CREATE TABLE `meta` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`alert_id` integer NOT NULL,
	`key` text NOT NULL,
	`value` text NOT NULL,
	FOREIGN KEY (`alert_id`) REFERENCES `alerts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `meta_alert_id` ON `meta` (`alert_id`);--> statement-breakpoint
CREATE TABLE `usage_metrics` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`generated_type` text NOT NULL,
	`generated_by` text NOT NULL,
	`received_at` integer NOT NULL,
	`payload` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `usage_metrics_received_at` ON `usage_metrics` (`received_at`);