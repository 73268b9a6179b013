-- AlterTable
ALTER TABLE "flags" ADD COLUMN     "overrides" TEXT,
ADD COLUMN     "rules" TEXT;

-- CreateTable
CREATE TABLE "segments" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT,
    "conditions" TEXT NOT NULL,
    "user_ids" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "segments_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "segments_name_key" ON "segments"("name");

-- Segments are configuration too: every committed change bumps the revision and notifies instances.
CREATE TRIGGER "segments_changed" AFTER INSERT OR UPDATE OR DELETE ON "segments"
    FOR EACH STATEMENT EXECUTE FUNCTION "config_bump_revision"();
