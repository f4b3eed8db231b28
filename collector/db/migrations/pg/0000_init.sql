CREATE TABLE "api_tokens" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text,
	"token_hash" text NOT NULL,
	"created_at" bigint NOT NULL,
	"last_used_at" bigint,
	CONSTRAINT "api_tokens_token_hash_unique" UNIQUE("token_hash")
);
--> statement-breakpoint
CREATE TABLE "auth_sessions" (
	"id_hash" text PRIMARY KEY NOT NULL,
	"user_id" text NOT NULL,
	"csrf" text NOT NULL,
	"created_at" bigint NOT NULL,
	"expires_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "events" (
	"site" text NOT NULL,
	"id" text NOT NULL,
	"vid" text NOT NULL,
	"lead_id" text,
	"session_id" text NOT NULL,
	"type" text NOT NULL,
	"ts" bigint NOT NULL,
	"received_at" bigint NOT NULL,
	"url" text,
	"ref" text,
	"title" text,
	"cat" text,
	"name" text,
	"props" json,
	"email" text,
	"traits" json,
	"form" json,
	"ip" text,
	"ua" text,
	CONSTRAINT "events_site_id_pk" PRIMARY KEY("site","id")
);
--> statement-breakpoint
CREATE TABLE "leads" (
	"id" text PRIMARY KEY NOT NULL,
	"site" text NOT NULL,
	"email" text NOT NULL,
	"name" text,
	"company" text,
	"title" text,
	"traits" json DEFAULT '{}'::json NOT NULL,
	"stage" text DEFAULT 'lead' NOT NULL,
	"stage_at" bigint NOT NULL,
	"rejected_at" bigint,
	"score_key" double precision DEFAULT 0 NOT NULL,
	"score_state" json,
	"fit_points" integer DEFAULT 0 NOT NULL,
	"grade" text,
	"probability" double precision,
	"first_seen" bigint NOT NULL,
	"last_seen" bigint NOT NULL,
	"visits" integer DEFAULT 0 NOT NULL,
	"pageviews" integer DEFAULT 0 NOT NULL,
	"created_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "models" (
	"id" text PRIMARY KEY NOT NULL,
	"site" text NOT NULL,
	"version" integer NOT NULL,
	"created_at" bigint NOT NULL,
	"params" json NOT NULL,
	"metrics" json,
	"active" boolean DEFAULT false NOT NULL
);
--> statement-breakpoint
CREATE TABLE "settings" (
	"key" text PRIMARY KEY NOT NULL,
	"value" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sites" (
	"key" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"origins" json NOT NULL,
	"rules" json,
	"created_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "stage_changes" (
	"id" text PRIMARY KEY NOT NULL,
	"lead_id" text NOT NULL,
	"site" text,
	"from" text NOT NULL,
	"to" text NOT NULL,
	"at" bigint NOT NULL,
	"cause" text NOT NULL,
	"actor" text
);
--> statement-breakpoint
CREATE TABLE "users" (
	"id" text PRIMARY KEY NOT NULL,
	"email" text NOT NULL,
	"password_hash" text NOT NULL,
	"created_at" bigint NOT NULL,
	CONSTRAINT "users_email_unique" UNIQUE("email")
);
--> statement-breakpoint
CREATE TABLE "visitors" (
	"site" text NOT NULL,
	"vid" text NOT NULL,
	"lead_id" text,
	"first_seen" bigint NOT NULL,
	"last_seen" bigint NOT NULL,
	"last_session_id" text NOT NULL,
	"sessions" integer DEFAULT 1 NOT NULL,
	"score_key" double precision DEFAULT 0 NOT NULL,
	"score_state" json,
	CONSTRAINT "visitors_site_vid_pk" PRIMARY KEY("site","vid")
);
--> statement-breakpoint
CREATE TABLE "webhook_deliveries" (
	"id" text PRIMARY KEY NOT NULL,
	"webhook_id" text NOT NULL,
	"lead_id" text,
	"type" text NOT NULL,
	"payload" json NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" bigint NOT NULL,
	"locked_until" bigint,
	"last_status" integer,
	"last_error" text,
	"created_at" bigint NOT NULL,
	"delivered_at" bigint
);
--> statement-breakpoint
CREATE TABLE "webhooks" (
	"id" text PRIMARY KEY NOT NULL,
	"site" text,
	"url" text NOT NULL,
	"events" json,
	"secret" text NOT NULL,
	"created_at" bigint NOT NULL
);
--> statement-breakpoint
ALTER TABLE "auth_sessions" ADD CONSTRAINT "auth_sessions_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "leads" ADD CONSTRAINT "leads_site_sites_key_fk" FOREIGN KEY ("site") REFERENCES "sites"("key") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "models" ADD CONSTRAINT "models_site_sites_key_fk" FOREIGN KEY ("site") REFERENCES "sites"("key") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "stage_changes" ADD CONSTRAINT "stage_changes_lead_id_leads_id_fk" FOREIGN KEY ("lead_id") REFERENCES "leads"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "visitors" ADD CONSTRAINT "visitors_site_sites_key_fk" FOREIGN KEY ("site") REFERENCES "sites"("key") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "visitors" ADD CONSTRAINT "visitors_lead_id_leads_id_fk" FOREIGN KEY ("lead_id") REFERENCES "leads"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_webhook_id_webhooks_id_fk" FOREIGN KEY ("webhook_id") REFERENCES "webhooks"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "webhooks" ADD CONSTRAINT "webhooks_site_sites_key_fk" FOREIGN KEY ("site") REFERENCES "sites"("key") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "auth_sessions_expires_idx" ON "auth_sessions" USING btree ("expires_at");--> statement-breakpoint
CREATE INDEX "events_site_lead_ts_idx" ON "events" USING btree ("site","lead_id","ts");--> statement-breakpoint
CREATE INDEX "events_site_vid_ts_idx" ON "events" USING btree ("site","vid","ts");--> statement-breakpoint
CREATE INDEX "events_ts_idx" ON "events" USING btree ("ts");--> statement-breakpoint
CREATE UNIQUE INDEX "leads_site_email_uq" ON "leads" USING btree ("site","email");--> statement-breakpoint
CREATE INDEX "leads_site_score_idx" ON "leads" USING btree ("site","score_key","id");--> statement-breakpoint
CREATE INDEX "leads_site_stage_score_idx" ON "leads" USING btree ("site","stage","score_key","id");--> statement-breakpoint
CREATE INDEX "leads_site_probability_idx" ON "leads" USING btree ("site","probability","id");--> statement-breakpoint
CREATE INDEX "leads_site_last_seen_idx" ON "leads" USING btree ("site","last_seen","id");--> statement-breakpoint
CREATE INDEX "leads_site_created_idx" ON "leads" USING btree ("site","created_at","id");--> statement-breakpoint
CREATE UNIQUE INDEX "models_site_version_uq" ON "models" USING btree ("site","version");--> statement-breakpoint
CREATE INDEX "stage_changes_lead_idx" ON "stage_changes" USING btree ("lead_id","at");--> statement-breakpoint
CREATE INDEX "stage_changes_site_at_idx" ON "stage_changes" USING btree ("site","at","to","lead_id");--> statement-breakpoint
CREATE INDEX "visitors_lead_idx" ON "visitors" USING btree ("lead_id");--> statement-breakpoint
CREATE INDEX "visitors_site_first_seen_idx" ON "visitors" USING btree ("site","first_seen");--> statement-breakpoint
CREATE INDEX "webhook_deliveries_due_idx" ON "webhook_deliveries" USING btree ("status","next_attempt_at");