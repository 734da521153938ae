CREATE TABLE `console_hourly` (
	`dim` text NOT NULL,
	`hour` integer NOT NULL,
	`key` text NOT NULL,
	`label` text DEFAULT '' NOT NULL,
	`count` integer NOT NULL,
	PRIMARY KEY(`dim`, `hour`, `key`)
);
--> statement-breakpoint
CREATE INDEX `decisions_scenario` ON `decisions` (`scenario`,`alert_id`);--> statement-breakpoint
CREATE INDEX `decisions_origin` ON `decisions` (`origin`,`alert_id`);