ALTER TABLE `reports` ADD `handled_at` integer;--> statement-breakpoint
ALTER TABLE `reports` ADD `handled_action` text;--> statement-breakpoint
ALTER TABLE `reports` ADD `handled_note` text;