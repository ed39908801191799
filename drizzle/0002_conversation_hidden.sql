ALTER TABLE `conversations` ADD `hidden_seq_a` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `conversations` ADD `hidden_seq_b` integer DEFAULT 0 NOT NULL;