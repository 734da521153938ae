CREATE TABLE `decision_tombstones` (
	`decision_id` integer NOT NULL,
	`deleted_at` integer DEFAULT (CAST(unixepoch('subsec') * 1000 AS INTEGER)) NOT NULL
);
--> statement-breakpoint
CREATE INDEX `decision_tombstones_deleted_at` ON `decision_tombstones` (`deleted_at`);--> statement-breakpoint
CREATE INDEX `decisions_updated_at` ON `decisions` (`updated_at`);