CREATE TABLE `message_minutes` (
	`minute` integer PRIMARY KEY NOT NULL,
	`messages` integer NOT NULL
);
--> statement-breakpoint
PRAGMA foreign_keys=OFF;--> statement-breakpoint
-- Edited by hand: WITHOUT ROWID (drizzle-kit cannot express it), so a message is one b-tree
-- entry keyed (conversation_id, seq), not a row plus a key index; and the backfill at the end.
CREATE TABLE `__new_messages` (
	`id` text NOT NULL,
	`conversation_id` text NOT NULL,
	`sender_id` text NOT NULL,
	`body` text NOT NULL,
	`seq` integer NOT NULL,
	`created_at` integer NOT NULL,
	`kind` text,
	PRIMARY KEY(`conversation_id`, `seq`)
) WITHOUT ROWID;
--> statement-breakpoint
INSERT INTO `__new_messages`("id", "conversation_id", "sender_id", "body", "seq", "created_at", "kind") SELECT "id", "conversation_id", "sender_id", "body", "seq", "created_at", "kind" FROM `messages`;--> statement-breakpoint
DROP TABLE `messages`;--> statement-breakpoint
ALTER TABLE `__new_messages` RENAME TO `messages`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
ALTER TABLE `conversations` ADD `last_seq` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `conversations` ADD `first_message_at` integer;--> statement-breakpoint
CREATE INDEX `conversations_first_message` ON `conversations` (`first_message_at`);--> statement-breakpoint
-- Data: the conversation bookkeeping the copy now keeps (retention's first_message_at, the list's last_seq).
UPDATE `conversations` SET
	`first_message_at` = (SELECT min(`created_at`) FROM `messages` WHERE `messages`.`conversation_id` = `conversations`.`id`),
	`last_seq` = coalesce((SELECT max(`seq`) FROM `messages` WHERE `messages`.`conversation_id` = `conversations`.`id`), 0);
