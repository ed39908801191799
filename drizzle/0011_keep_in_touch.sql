CREATE TABLE `kept_chats` (
	`conversation_id` text NOT NULL,
	`user_id` text NOT NULL,
	`kept_at` integer NOT NULL,
	`read_seq` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`conversation_id`, `user_id`),
	FOREIGN KEY (`conversation_id`) REFERENCES `conversations`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `kept_chats_user` ON `kept_chats` (`user_id`);--> statement-breakpoint
CREATE TABLE `topics` (
	`id` text PRIMARY KEY NOT NULL,
	`title` text NOT NULL,
	`prompts` text NOT NULL,
	`position` integer NOT NULL,
	`listed` integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE `conversations` ADD `last_matched_at` integer;--> statement-breakpoint
ALTER TABLE `conversations` ADD `ended_at` integer;--> statement-breakpoint
ALTER TABLE `users` ADD `matching_resumed_at` integer;