CREATE TABLE `ingest_deliveries` (
	`id` text PRIMARY KEY NOT NULL,
	`delivered_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `ingest_deliveries_delivered_at` ON `ingest_deliveries` (`delivered_at`);--> statement-breakpoint
ALTER TABLE `hub_items` ADD `stage` text DEFAULT '' NOT NULL;