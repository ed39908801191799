CREATE TABLE `message_minutes` (
	`minute` integer PRIMARY KEY NOT NULL,
	`messages` integer NOT NULL
);
--> statement-breakpoint
PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_messages` (
	`id` text NOT NULL,
	`conversation_id` text NOT NULL,
	`sender_id` text NOT NULL,
	`body` text NOT NULL,
	`seq` integer NOT NULL,
	`created_at` integer NOT NULL,
	`kind` text,
	PRIMARY KEY(`conversation_id`, `seq`)
);
--> statement-breakpoint
INSERT INTO `__new_messages`("id", "conversation_id", "sender_id", "body", "seq", "created_at", "kind") SELECT "id", "conversation_id", "sender_id", "body", "seq", "created_at", "kind" FROM `messages`;--> statement-breakpoint
DROP TABLE `messages`;--> statement-breakpoint
ALTER TABLE `__new_messages` RENAME TO `messages`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
ALTER TABLE `conversations` ADD `last_seq` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `conversations` ADD `first_message_at` integer;--> statement-breakpoint
CREATE INDEX `conversations_first_message` ON `conversations` (`first_message_at`);