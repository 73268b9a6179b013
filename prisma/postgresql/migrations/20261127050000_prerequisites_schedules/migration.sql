-- AlterTable
ALTER TABLE "flags" ADD COLUMN     "prerequisites" TEXT;

-- CreateTable
CREATE TABLE "scheduled_changes" (
    "id" TEXT NOT NULL,
    "flag_name" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL,
    "changes" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "applied_at" TIMESTAMP(3),

    CONSTRAINT "scheduled_changes_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "scheduled_changes_flag_name_at_idx" ON "scheduled_changes"("flag_name", "at");

-- Schedules are configuration too: every committed change bumps the revision and notifies instances.
CREATE TRIGGER "scheduled_changes_changed" AFTER INSERT OR UPDATE OR DELETE ON "scheduled_changes"
    FOR EACH STATEMENT EXECUTE FUNCTION "config_bump_revision"();
