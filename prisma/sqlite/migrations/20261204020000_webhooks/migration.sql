-- Webhooks and their outbox: a delivery row per change and webhook, written in the change's own
-- transaction, so a change that commits is always announced, and one that rolls back never is.
CREATE TABLE "webhooks" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "project_id" INTEGER,
    "url" TEXT NOT NULL,
    "events" TEXT NOT NULL,
    "secret" TEXT NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" DATETIME NOT NULL
);

CREATE TABLE "webhook_deliveries" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "webhook_id" TEXT NOT NULL,
    "event" TEXT NOT NULL,
    "payload" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "next_attempt_at" INTEGER NOT NULL,
    "deadline_at" INTEGER NOT NULL,
    "locked_until" INTEGER,
    "last_status" INTEGER,
    "last_error" TEXT,
    "last_latency_ms" INTEGER,
    "last_response" TEXT,
    "created_at" INTEGER NOT NULL,
    "delivered_at" INTEGER
);
CREATE INDEX "webhook_deliveries_status_next_attempt_at_idx" ON "webhook_deliveries"("status", "next_attempt_at");
CREATE INDEX "webhook_deliveries_webhook_id_created_at_idx" ON "webhook_deliveries"("webhook_id", "created_at");
