-- AlterTable
ALTER TABLE "flags" ADD COLUMN "rules" TEXT;
ALTER TABLE "flags" ADD COLUMN "overrides" TEXT;

-- CreateTable
CREATE TABLE "segments" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "name" TEXT NOT NULL,
    "description" TEXT,
    "conditions" TEXT NOT NULL,
    "user_ids" TEXT NOT NULL,
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" DATETIME NOT NULL
);

-- CreateIndex
CREATE UNIQUE INDEX "segments_name_key" ON "segments"("name");

-- Segments are configuration too: every change bumps the revision that instances poll.
CREATE TRIGGER "config_revision_after_segments_insert" AFTER INSERT ON "segments"
BEGIN UPDATE "config_revision" SET "revision" = "revision" + 1 WHERE "id" = 1; END;

CREATE TRIGGER "config_revision_after_segments_update" AFTER UPDATE ON "segments"
BEGIN UPDATE "config_revision" SET "revision" = "revision" + 1 WHERE "id" = 1; END;

CREATE TRIGGER "config_revision_after_segments_delete" AFTER DELETE ON "segments"
BEGIN UPDATE "config_revision" SET "revision" = "revision" + 1 WHERE "id" = 1; END;
