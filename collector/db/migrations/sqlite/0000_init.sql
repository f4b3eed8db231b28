CREATE TABLE `api_tokens` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text,
	`token_hash` text NOT NULL,
	`created_at` integer NOT NULL,
	`last_used_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `api_tokens_token_hash_unique` ON `api_tokens` (`token_hash`);--> statement-breakpoint
CREATE TABLE `auth_sessions` (
	`id_hash` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`csrf` text NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `auth_sessions_expires_idx` ON `auth_sessions` (`expires_at`);--> statement-breakpoint
CREATE TABLE `events` (
	`site` text NOT NULL,
	`id` text NOT NULL,
	`vid` text NOT NULL,
	`lead_id` text,
	`session_id` text NOT NULL,
	`type` text NOT NULL,
	`ts` integer NOT NULL,
	`received_at` integer NOT NULL,
	`url` text,
	`ref` text,
	`title` text,
	`cat` text,
	`name` text,
	`props` text,
	`email` text,
	`traits` text,
	`form` text,
	`ip` text,
	`ua` text,
	PRIMARY KEY(`site`, `id`)
);
--> statement-breakpoint
CREATE INDEX `events_site_lead_ts_idx` ON `events` (`site`,`lead_id`,`ts`);--> statement-breakpoint
CREATE INDEX `events_site_vid_ts_idx` ON `events` (`site`,`vid`,`ts`);--> statement-breakpoint
CREATE INDEX `events_ts_idx` ON `events` (`ts`);--> statement-breakpoint
CREATE TABLE `leads` (
	`id` text PRIMARY KEY NOT NULL,
	`site` text NOT NULL,
	`email` text NOT NULL,
	`name` text,
	`company` text,
	`title` text,
	`traits` text DEFAULT '{}' NOT NULL,
	`stage` text DEFAULT 'lead' NOT NULL,
	`stage_at` integer NOT NULL,
	`rejected_at` integer,
	`score_key` real DEFAULT 0 NOT NULL,
	`score_state` text,
	`fit_points` integer DEFAULT 0 NOT NULL,
	`grade` text,
	`probability` real,
	`first_seen` integer NOT NULL,
	`last_seen` integer NOT NULL,
	`visits` integer DEFAULT 0 NOT NULL,
	`pageviews` integer DEFAULT 0 NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`site`) REFERENCES `sites`(`key`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `leads_site_email_uq` ON `leads` (`site`,`email`);--> statement-breakpoint
CREATE INDEX `leads_site_score_idx` ON `leads` (`site`,`score_key`,`id`);--> statement-breakpoint
CREATE INDEX `leads_site_stage_score_idx` ON `leads` (`site`,`stage`,`score_key`,`id`);--> statement-breakpoint
CREATE INDEX `leads_site_probability_idx` ON `leads` (`site`,`probability`,`id`);--> statement-breakpoint
CREATE INDEX `leads_site_last_seen_idx` ON `leads` (`site`,`last_seen`,`id`);--> statement-breakpoint
CREATE INDEX `leads_site_created_idx` ON `leads` (`site`,`created_at`,`id`);--> statement-breakpoint
CREATE TABLE `models` (
	`id` text PRIMARY KEY NOT NULL,
	`site` text NOT NULL,
	`version` integer NOT NULL,
	`created_at` integer NOT NULL,
	`params` text NOT NULL,
	`metrics` text,
	`active` integer DEFAULT false NOT NULL,
	FOREIGN KEY (`site`) REFERENCES `sites`(`key`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `models_site_version_uq` ON `models` (`site`,`version`);--> statement-breakpoint
CREATE TABLE `settings` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `sites` (
	`key` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`origins` text NOT NULL,
	`rules` text,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `stage_changes` (
	`id` text PRIMARY KEY NOT NULL,
	`lead_id` text NOT NULL,
	`site` text,
	`from` text NOT NULL,
	`to` text NOT NULL,
	`at` integer NOT NULL,
	`cause` text NOT NULL,
	`actor` text,
	FOREIGN KEY (`lead_id`) REFERENCES `leads`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `stage_changes_lead_idx` ON `stage_changes` (`lead_id`,`at`);--> statement-breakpoint
CREATE INDEX `stage_changes_site_at_idx` ON `stage_changes` (`site`,`at`,`to`,`lead_id`);--> statement-breakpoint
CREATE TABLE `users` (
	`id` text PRIMARY KEY NOT NULL,
	`email` text NOT NULL,
	`password_hash` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `users_email_unique` ON `users` (`email`);--> statement-breakpoint
CREATE TABLE `visitors` (
	`site` text NOT NULL,
	`vid` text NOT NULL,
	`lead_id` text,
	`first_seen` integer NOT NULL,
	`last_seen` integer NOT NULL,
	`last_session_id` text NOT NULL,
	`sessions` integer DEFAULT 1 NOT NULL,
	`score_key` real DEFAULT 0 NOT NULL,
	`score_state` text,
	PRIMARY KEY(`site`, `vid`),
	FOREIGN KEY (`site`) REFERENCES `sites`(`key`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`lead_id`) REFERENCES `leads`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `visitors_lead_idx` ON `visitors` (`lead_id`);--> statement-breakpoint
CREATE INDEX `visitors_site_first_seen_idx` ON `visitors` (`site`,`first_seen`);--> statement-breakpoint
CREATE TABLE `webhook_deliveries` (
	`id` text PRIMARY KEY NOT NULL,
	`webhook_id` text NOT NULL,
	`lead_id` text,
	`type` text NOT NULL,
	`payload` text NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` integer NOT NULL,
	`locked_until` integer,
	`last_status` integer,
	`last_error` text,
	`created_at` integer NOT NULL,
	`delivered_at` integer,
	FOREIGN KEY (`webhook_id`) REFERENCES `webhooks`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `webhook_deliveries_due_idx` ON `webhook_deliveries` (`status`,`next_attempt_at`);--> statement-breakpoint
CREATE TABLE `webhooks` (
	`id` text PRIMARY KEY NOT NULL,
	`site` text,
	`url` text NOT NULL,
	`events` text,
	`secret` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`site`) REFERENCES `sites`(`key`) ON UPDATE no action ON DELETE cascade
);
