CREATE TABLE `config_documents` (
	`kind` text PRIMARY KEY NOT NULL,
	`content` text NOT NULL,
	`updated_at` integer DEFAULT (CAST(unixepoch('subsec') * 1000 AS INTEGER)) NOT NULL,
	`updated_by` text DEFAULT '' NOT NULL
);
--> statement-breakpoint
CREATE TABLE `hub_data` (
	`name` text PRIMARY KEY NOT NULL,
	`hash` text NOT NULL,
	`content` text NOT NULL,
	`updated_at` integer DEFAULT (CAST(unixepoch('subsec') * 1000 AS INTEGER)) NOT NULL
);
--> statement-breakpoint
CREATE TABLE `hub_items` (
	`kind` text NOT NULL,
	`name` text NOT NULL,
	`hash` text NOT NULL,
	`version` text DEFAULT '' NOT NULL,
	`content` text NOT NULL,
	`updated_at` integer DEFAULT (CAST(unixepoch('subsec') * 1000 AS INTEGER)) NOT NULL,
	`updated_by` text DEFAULT '' NOT NULL,
	PRIMARY KEY(`kind`, `name`)
);
--> statement-breakpoint
CREATE TABLE `ingested_events` (
	`id` text PRIMARY KEY NOT NULL,
	`machine_id` text NOT NULL,
	`received_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `ingested_events_received_at` ON `ingested_events` (`received_at`);--> statement-breakpoint
CREATE TABLE `scenario_settings` (
	`name` text PRIMARY KEY NOT NULL,
	`buckets` text NOT NULL,
	`updated_at` integer DEFAULT (CAST(unixepoch('subsec') * 1000 AS INTEGER)) NOT NULL
);
