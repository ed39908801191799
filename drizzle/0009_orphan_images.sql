ALTER TABLE `images` ADD `send_by` integer;--> statement-breakpoint
CREATE INDEX `images_unsent` ON `images` (`send_by`);