-- Hand-written (drizzle-kit cannot express WITHOUT ROWID): the messages table keyed by
-- (conversation_id, seq) as its own b-tree, so a message is one b-tree entry, not a row plus a key index.
CREATE TABLE `__lean_messages` (
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
INSERT INTO `__lean_messages` SELECT `id`, `conversation_id`, `sender_id`, `body`, `seq`, `created_at`, `kind` FROM `messages`;--> statement-breakpoint
DROP TABLE `messages`;--> statement-breakpoint
ALTER TABLE `__lean_messages` RENAME TO `messages`;--> statement-breakpoint
-- Data: the conversation bookkeeping the copy now keeps (retention's first_message_at, the list's last_seq).
UPDATE `conversations` SET
	`first_message_at` = (SELECT min(`created_at`) FROM `messages` WHERE `messages`.`conversation_id` = `conversations`.`id`),
	`last_seq` = coalesce((SELECT max(`seq`) FROM `messages` WHERE `messages`.`conversation_id` = `conversations`.`id`), 0);
