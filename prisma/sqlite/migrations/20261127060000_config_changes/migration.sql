-- CreateTable
CREATE TABLE "config_changes" (
    "revision" INTEGER NOT NULL PRIMARY KEY,
    "table_name" TEXT NOT NULL,
    "key" TEXT NOT NULL
);

-- Each changed row, whoever changes it, now bumps the revision once and logs which row that was, so
-- an instance behind the database reads only the rows changed since its snapshot's revision rather
-- than everything. The log keeps the last 1,000 revisions; an instance further behind reads everything.
-- A changed key logs both the old key and the new one.
DROP TRIGGER "config_revision_after_flags_insert";
DROP TRIGGER "config_revision_after_flags_update";
DROP TRIGGER "config_revision_after_flags_delete";
DROP TRIGGER "config_revision_after_api_keys_insert";
DROP TRIGGER "config_revision_after_api_keys_update";
DROP TRIGGER "config_revision_after_api_keys_delete";
DROP TRIGGER "config_revision_after_segments_insert";
DROP TRIGGER "config_revision_after_segments_update";
DROP TRIGGER "config_revision_after_segments_delete";
DROP TRIGGER "config_revision_after_scheduled_changes_insert";
DROP TRIGGER "config_revision_after_scheduled_changes_update";
DROP TRIGGER "config_revision_after_scheduled_changes_delete";

CREATE TRIGGER "config_changes_after_flags_insert" AFTER INSERT ON "flags" BEGIN
    UPDATE "config_revision" SET "revision" = "revision" + 1 WHERE "id" = 1;
    INSERT INTO "config_changes" ("revision", "table_name", "key") SELECT "revision", 'flags', NEW."flag_name" FROM "config_revision" WHERE "id" = 1;
    DELETE FROM "config_changes" WHERE "revision" <= (SELECT "revision" FROM "config_revision" WHERE "id" = 1) - 1000;
END;

CREATE TRIGGER "config_changes_after_flags_update" AFTER UPDATE ON "flags" BEGIN
    UPDATE "config_revision" SET "revision" = "revision" + 1 WHERE "id" = 1;
    INSERT INTO "config_changes" ("revision", "table_name", "key") SELECT "revision", 'flags', OLD."flag_name" FROM "config_revision" WHERE "id" = 1;
    UPDATE "config_revision" SET "revision" = "revision" + 1 WHERE "id" = 1 AND NEW."flag_name" IS NOT OLD."flag_name";
    INSERT INTO "config_changes" ("revision", "table_name", "key") SELECT "revision", 'flags', NEW."flag_name" FROM "config_revision" WHERE "id" = 1 AND NEW."flag_name" IS NOT OLD."flag_name";
    DELETE FROM "config_changes" WHERE "revision" <= (SELECT "revision" FROM "config_revision" WHERE "id" = 1) - 1000;
END;

CREATE TRIGGER "config_changes_after_flags_delete" AFTER DELETE ON "flags" BEGIN
    UPDATE "config_revision" SET "revision" = "revision" + 1 WHERE "id" = 1;
    INSERT INTO "config_changes" ("revision", "table_name", "key") SELECT "revision", 'flags', OLD."flag_name" FROM "config_revision" WHERE "id" = 1;
    DELETE FROM "config_changes" WHERE "revision" <= (SELECT "revision" FROM "config_revision" WHERE "id" = 1) - 1000;
END;

CREATE TRIGGER "config_changes_after_api_keys_insert" AFTER INSERT ON "api_keys" BEGIN
    UPDATE "config_revision" SET "revision" = "revision" + 1 WHERE "id" = 1;
    INSERT INTO "config_changes" ("revision", "table_name", "key") SELECT "revision", 'api_keys', NEW."id" FROM "config_revision" WHERE "id" = 1;
    DELETE FROM "config_changes" WHERE "revision" <= (SELECT "revision" FROM "config_revision" WHERE "id" = 1) - 1000;
END;

CREATE TRIGGER "config_changes_after_api_keys_update" AFTER UPDATE ON "api_keys" BEGIN
    UPDATE "config_revision" SET "revision" = "revision" + 1 WHERE "id" = 1;
    INSERT INTO "config_changes" ("revision", "table_name", "key") SELECT "revision", 'api_keys', OLD."id" FROM "config_revision" WHERE "id" = 1;
    UPDATE "config_revision" SET "revision" = "revision" + 1 WHERE "id" = 1 AND NEW."id" IS NOT OLD."id";
    INSERT INTO "config_changes" ("revision", "table_name", "key") SELECT "revision", 'api_keys', NEW."id" FROM "config_revision" WHERE "id" = 1 AND NEW."id" IS NOT OLD."id";
    DELETE FROM "config_changes" WHERE "revision" <= (SELECT "revision" FROM "config_revision" WHERE "id" = 1) - 1000;
END;

CREATE TRIGGER "config_changes_after_api_keys_delete" AFTER DELETE ON "api_keys" BEGIN
    UPDATE "config_revision" SET "revision" = "revision" + 1 WHERE "id" = 1;
    INSERT INTO "config_changes" ("revision", "table_name", "key") SELECT "revision", 'api_keys', OLD."id" FROM "config_revision" WHERE "id" = 1;
    DELETE FROM "config_changes" WHERE "revision" <= (SELECT "revision" FROM "config_revision" WHERE "id" = 1) - 1000;
END;

CREATE TRIGGER "config_changes_after_segments_insert" AFTER INSERT ON "segments" BEGIN
    UPDATE "config_revision" SET "revision" = "revision" + 1 WHERE "id" = 1;
    INSERT INTO "config_changes" ("revision", "table_name", "key") SELECT "revision", 'segments', NEW."name" FROM "config_revision" WHERE "id" = 1;
    DELETE FROM "config_changes" WHERE "revision" <= (SELECT "revision" FROM "config_revision" WHERE "id" = 1) - 1000;
END;

CREATE TRIGGER "config_changes_after_segments_update" AFTER UPDATE ON "segments" BEGIN
    UPDATE "config_revision" SET "revision" = "revision" + 1 WHERE "id" = 1;
    INSERT INTO "config_changes" ("revision", "table_name", "key") SELECT "revision", 'segments', OLD."name" FROM "config_revision" WHERE "id" = 1;
    UPDATE "config_revision" SET "revision" = "revision" + 1 WHERE "id" = 1 AND NEW."name" IS NOT OLD."name";
    INSERT INTO "config_changes" ("revision", "table_name", "key") SELECT "revision", 'segments', NEW."name" FROM "config_revision" WHERE "id" = 1 AND NEW."name" IS NOT OLD."name";
    DELETE FROM "config_changes" WHERE "revision" <= (SELECT "revision" FROM "config_revision" WHERE "id" = 1) - 1000;
END;

CREATE TRIGGER "config_changes_after_segments_delete" AFTER DELETE ON "segments" BEGIN
    UPDATE "config_revision" SET "revision" = "revision" + 1 WHERE "id" = 1;
    INSERT INTO "config_changes" ("revision", "table_name", "key") SELECT "revision", 'segments', OLD."name" FROM "config_revision" WHERE "id" = 1;
    DELETE FROM "config_changes" WHERE "revision" <= (SELECT "revision" FROM "config_revision" WHERE "id" = 1) - 1000;
END;

CREATE TRIGGER "config_changes_after_scheduled_changes_insert" AFTER INSERT ON "scheduled_changes" BEGIN
    UPDATE "config_revision" SET "revision" = "revision" + 1 WHERE "id" = 1;
    INSERT INTO "config_changes" ("revision", "table_name", "key") SELECT "revision", 'scheduled_changes', NEW."id" FROM "config_revision" WHERE "id" = 1;
    DELETE FROM "config_changes" WHERE "revision" <= (SELECT "revision" FROM "config_revision" WHERE "id" = 1) - 1000;
END;

CREATE TRIGGER "config_changes_after_scheduled_changes_update" AFTER UPDATE ON "scheduled_changes" BEGIN
    UPDATE "config_revision" SET "revision" = "revision" + 1 WHERE "id" = 1;
    INSERT INTO "config_changes" ("revision", "table_name", "key") SELECT "revision", 'scheduled_changes', OLD."id" FROM "config_revision" WHERE "id" = 1;
    UPDATE "config_revision" SET "revision" = "revision" + 1 WHERE "id" = 1 AND NEW."id" IS NOT OLD."id";
    INSERT INTO "config_changes" ("revision", "table_name", "key") SELECT "revision", 'scheduled_changes', NEW."id" FROM "config_revision" WHERE "id" = 1 AND NEW."id" IS NOT OLD."id";
    DELETE FROM "config_changes" WHERE "revision" <= (SELECT "revision" FROM "config_revision" WHERE "id" = 1) - 1000;
END;

CREATE TRIGGER "config_changes_after_scheduled_changes_delete" AFTER DELETE ON "scheduled_changes" BEGIN
    UPDATE "config_revision" SET "revision" = "revision" + 1 WHERE "id" = 1;
    INSERT INTO "config_changes" ("revision", "table_name", "key") SELECT "revision", 'scheduled_changes', OLD."id" FROM "config_revision" WHERE "id" = 1;
    DELETE FROM "config_changes" WHERE "revision" <= (SELECT "revision" FROM "config_revision" WHERE "id" = 1) - 1000;
END;
