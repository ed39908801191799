CREATE TABLE `images` (
	`id` text PRIMARY KEY NOT NULL,
	`conversation_id` text NOT NULL,
	`sender_id` text NOT NULL,
	`content_type` text NOT NULL,
	`bytes` integer NOT NULL,
	`width` integer NOT NULL,
	`height` integer NOT NULL,
	`status` text NOT NULL,
	`trace_id` text,
	`created_at` integer NOT NULL,
	`check_deadline` integer NOT NULL,
	`checked_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `images_trace_id_unique` ON `images` (`trace_id`);--> statement-breakpoint
CREATE INDEX `images_conversation` ON `images` (`conversation_id`);--> statement-breakpoint
CREATE INDEX `images_sender` ON `images` (`sender_id`);--> statement-breakpoint
CREATE INDEX `images_pending` ON `images` (`status`,`check_deadline`);--> statement-breakpoint
CREATE TABLE `subscriptions` (
	`user_id` text NOT NULL,
	`kind` text NOT NULL,
	`sealed_openid` text NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	PRIMARY KEY(`user_id`, `kind`),
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `subscriptions_expires` ON `subscriptions` (`expires_at`);--> statement-breakpoint
ALTER TABLE `users` ADD `adult_confirmed_at` integer;--> statement-breakpoint
ALTER TABLE `users` ADD `matching_suspended_at` integer;