CREATE TABLE `capi_community_decisions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`uuid` text NOT NULL,
	`scope` text NOT NULL,
	`value` text NOT NULL,
	`scenario` text NOT NULL,
	`type` text DEFAULT 'ban' NOT NULL,
	`reporters` integer NOT NULL,
	`until` integer NOT NULL,
	`deleted_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `capi_community_decisions_value` ON `capi_community_decisions` (`scope`,`value`);--> statement-breakpoint
CREATE INDEX `capi_community_decisions_updated_at` ON `capi_community_decisions` (`updated_at`);--> statement-breakpoint
CREATE INDEX `capi_community_decisions_until` ON `capi_community_decisions` (`until`);--> statement-breakpoint
CREATE TABLE `capi_signals` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`watcher_id` integer NOT NULL,
	`scenario` text NOT NULL,
	`scope` text NOT NULL,
	`value` text NOT NULL,
	`received_at` integer NOT NULL,
	FOREIGN KEY (`watcher_id`) REFERENCES `capi_watchers`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `capi_signals_value` ON `capi_signals` (`scope`,`value`,`received_at`);--> statement-breakpoint
CREATE INDEX `capi_signals_received_at` ON `capi_signals` (`received_at`);--> statement-breakpoint
CREATE TABLE `capi_watchers` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`machine_id` text NOT NULL,
	`password` text NOT NULL,
	`ip_address` text DEFAULT '' NOT NULL,
	`scenarios` text DEFAULT '' NOT NULL,
	`version` text DEFAULT '' NOT NULL,
	`last_login` integer,
	`last_push` integer,
	`last_pull` integer,
	`created_at` integer DEFAULT (CAST(unixepoch('subsec') * 1000 AS INTEGER)) NOT NULL,
	`updated_at` integer DEFAULT (CAST(unixepoch('subsec') * 1000 AS INTEGER)) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `capi_watchers_machine_id` ON `capi_watchers` (`machine_id`);