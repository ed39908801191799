CREATE TABLE `ai_budget` (
	`day` text PRIMARY KEY NOT NULL,
	`used` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `ai_verdicts` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`report_id` integer,
	`message_id` text,
	`status` text NOT NULL,
	`hazards` text DEFAULT '' NOT NULL,
	`categories` text DEFAULT '' NOT NULL,
	`severity` integer NOT NULL,
	`model` text NOT NULL,
	`at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `ai_verdicts_report_id_unique` ON `ai_verdicts` (`report_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `ai_verdicts_message_id_unique` ON `ai_verdicts` (`message_id`);--> statement-breakpoint
CREATE INDEX `ai_verdicts_at` ON `ai_verdicts` (`at`);