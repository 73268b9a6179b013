-- Webhooks and their outbox: a delivery row per change and webhook, written in the change's own
-- transaction, so a change that commits is always announced, and one that rolls back never is.
CREATE TABLE "webhooks" (
    "id" TEXT NOT NULL,
    "project_id" INTEGER,
    "url" TEXT NOT NULL,
    "events" TEXT NOT NULL,
    "secret" TEXT NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,
    CONSTRAINT "webhooks_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "webhook_deliveries" (
    "id" TEXT NOT NULL,
    "webhook_id" TEXT NOT NULL,
    "event" TEXT NOT NULL,
    "payload" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "next_attempt_at" BIGINT NOT NULL,
    "deadline_at" BIGINT NOT NULL,
    "locked_until" BIGINT,
    "last_status" INTEGER,
    "last_error" TEXT,
    "last_latency_ms" INTEGER,
    "last_response" TEXT,
    "created_at" BIGINT NOT NULL,
    "delivered_at" BIGINT,
    CONSTRAINT "webhook_deliveries_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "webhook_deliveries_status_next_attempt_at_idx" ON "webhook_deliveries"("status", "next_attempt_at");
CREATE INDEX "webhook_deliveries_webhook_id_created_at_idx" ON "webhook_deliveries"("webhook_id", "created_at");
