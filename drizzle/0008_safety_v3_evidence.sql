CREATE TABLE `recalled_messages` (
	`message_id` text PRIMARY KEY NOT NULL,
	`conversation_id` text NOT NULL,
	`sender_id` text NOT NULL,
	`body` text NOT NULL,
	`recalled_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `recalled_messages_conversation` ON `recalled_messages` (`conversation_id`);--> statement-breakpoint
CREATE INDEX `recalled_messages_recalled` ON `recalled_messages` (`recalled_at`);--> statement-breakpoint
ALTER TABLE `reports` ADD `category` text DEFAULT 'other' NOT NULL;--> statement-breakpoint
ALTER TABLE `users` ADD `erased_at` integer;