-- AlterTable
ALTER TABLE "flags" ADD COLUMN "prerequisites" TEXT;

-- CreateTable
CREATE TABLE "scheduled_changes" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "flag_name" TEXT NOT NULL,
    "at" DATETIME NOT NULL,
    "changes" TEXT NOT NULL,
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "applied_at" DATETIME
);

-- CreateIndex
CREATE INDEX "scheduled_changes_flag_name_at_idx" ON "scheduled_changes"("flag_name", "at");

-- Schedules are configuration too: every change bumps the revision that instances poll.
CREATE TRIGGER "config_revision_after_scheduled_changes_insert" AFTER INSERT ON "scheduled_changes"
BEGIN UPDATE "config_revision" SET "revision" = "revision" + 1 WHERE "id" = 1; END;

CREATE TRIGGER "config_revision_after_scheduled_changes_update" AFTER UPDATE ON "scheduled_changes"
BEGIN UPDATE "config_revision" SET "revision" = "revision" + 1 WHERE "id" = 1; END;

CREATE TRIGGER "config_revision_after_scheduled_changes_delete" AFTER DELETE ON "scheduled_changes"
BEGIN UPDATE "config_revision" SET "revision" = "revision" + 1 WHERE "id" = 1; END;
