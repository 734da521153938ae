CREATE TABLE `capi_client_state` (
	`url` text PRIMARY KEY NOT NULL,
	`machine_id` text NOT NULL,
	`password` text NOT NULL,
	`pushed_up_to` integer DEFAULT 0 NOT NULL,
	`last_pull` integer,
	`created_at` integer DEFAULT (CAST(unixepoch('subsec') * 1000 AS INTEGER)) NOT NULL
);
