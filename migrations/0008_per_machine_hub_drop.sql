DROP TABLE `hub_data`;--> statement-breakpoint
DROP TABLE `hub_items`;