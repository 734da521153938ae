CREATE TABLE `list_entries` (
	`list_id` integer NOT NULL,
	`value` text NOT NULL,
	`ip_size` integer NOT NULL,
	`start_ip` blob NOT NULL,
	`end_ip` blob NOT NULL,
	PRIMARY KEY(`list_id`, `value`)
);
--> statement-breakpoint
CREATE TABLE `lists` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name` text NOT NULL,
	`url` text NOT NULL,
	`format` text NOT NULL,
	`scope` text NOT NULL,
	`type` text NOT NULL,
	`duration_ms` integer NOT NULL,
	`refresh_ms` integer NOT NULL,
	`max_entries` integer NOT NULL,
	`alert_id` integer,
	`etag` text,
	`last_modified` text,
	`last_fetch_at` integer,
	`last_sync_at` integer,
	`last_status` text,
	`last_error` text,
	`entries` integer DEFAULT 0 NOT NULL,
	`last_bad_lines` integer DEFAULT 0 NOT NULL,
	`syncing_since` integer,
	`created_at` integer DEFAULT (CAST(unixepoch('subsec') * 1000 AS INTEGER)) NOT NULL,
	`updated_at` integer DEFAULT (CAST(unixepoch('subsec') * 1000 AS INTEGER)) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `lists_name` ON `lists` (`name`);--> statement-breakpoint
CREATE INDEX `decisions_scenario_until` ON `decisions` (`scenario`,`until`);