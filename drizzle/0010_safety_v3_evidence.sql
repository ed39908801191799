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
ALTER TABLE `users` ADD `erased_at` integer;--> statement-breakpoint
-- Reports filed before categories: the old sheet's exact labels map to their category.
UPDATE `reports` SET `category` = CASE `reason` WHEN '疑似未成年' THEN 'minor' WHEN '骚扰/辱骂' THEN 'harassment' WHEN '色情低俗' THEN 'sexual' WHEN '广告/诈骗' THEN 'fraud' ELSE 'other' END;
