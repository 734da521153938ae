CREATE INDEX `alerts_created_scenario` ON `alerts` (`created_at`,`scenario`);--> statement-breakpoint
CREATE INDEX `alerts_created_country` ON `alerts` (`created_at`,`source_country`);--> statement-breakpoint
CREATE INDEX `alerts_created_as` ON `alerts` (`created_at`,`source_as_number`,`source_as_name`);--> statement-breakpoint
CREATE INDEX `decisions_scenario` ON `decisions` (`scenario`);--> statement-breakpoint
CREATE INDEX `decisions_origin` ON `decisions` (`origin`);