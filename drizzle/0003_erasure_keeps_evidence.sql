CREATE TABLE `erased_users` (
	`identity_hash` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`erased_at` integer NOT NULL,
	`banned_at` integer
);
--> statement-breakpoint
CREATE INDEX `erased_users_erased` ON `erased_users` (`erased_at`);--> statement-breakpoint
CREATE INDEX `erased_users_user` ON `erased_users` (`user_id`);--> statement-breakpoint
-- D1 ignores foreign_keys=OFF; it honours defer_foreign_keys. No table references blocks or
-- reports, so dropping them for the rebuild cascades nothing.
PRAGMA defer_foreign_keys=ON;--> statement-breakpoint
CREATE TABLE `__new_blocks` (
	`blocker_id` text NOT NULL,
	`blocked_id` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`blocker_id`, `blocked_id`),
	FOREIGN KEY (`blocker_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
INSERT INTO `__new_blocks`("blocker_id", "blocked_id", "created_at") SELECT "blocker_id", "blocked_id", "created_at" FROM `blocks`;--> statement-breakpoint
DROP TABLE `blocks`;--> statement-breakpoint
ALTER TABLE `__new_blocks` RENAME TO `blocks`;--> statement-breakpoint
PRAGMA defer_foreign_keys=OFF;--> statement-breakpoint
CREATE INDEX `blocks_blocked` ON `blocks` (`blocked_id`);--> statement-breakpoint
CREATE TABLE `__new_reports` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`reporter_id` text NOT NULL,
	`reported_id` text NOT NULL,
	`conversation_id` text NOT NULL,
	`reason` text NOT NULL,
	`snapshot` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`reporter_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
INSERT INTO `__new_reports`("id", "reporter_id", "reported_id", "conversation_id", "reason", "snapshot", "created_at") SELECT "id", "reporter_id", "reported_id", "conversation_id", "reason", "snapshot", "created_at" FROM `reports`;--> statement-breakpoint
DROP TABLE `reports`;--> statement-breakpoint
ALTER TABLE `__new_reports` RENAME TO `reports`;--> statement-breakpoint
CREATE INDEX `reports_created` ON `reports` (`created_at`);--> statement-breakpoint
CREATE INDEX `reports_reporter` ON `reports` (`reporter_id`);--> statement-breakpoint
CREATE INDEX `reports_reported` ON `reports` (`reported_id`);--> statement-breakpoint
CREATE INDEX `reports_conversation` ON `reports` (`conversation_id`);