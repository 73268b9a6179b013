-- CreateTable
CREATE TABLE "config_changes" (
    "revision" INTEGER NOT NULL,
    "table_name" TEXT NOT NULL,
    "key" TEXT NOT NULL,

    CONSTRAINT "config_changes_pkey" PRIMARY KEY ("revision")
);

-- Each changed row, whoever changes it, now bumps the revision once and logs which row that was, so
-- an instance behind the database reads only the rows changed since its snapshot's revision rather
-- than everything. The log keeps the last 1,000 revisions; an instance further behind reads everything.
DROP TRIGGER "flags_changed" ON "flags";
DROP TRIGGER "api_keys_changed" ON "api_keys";
DROP TRIGGER "segments_changed" ON "segments";
DROP TRIGGER "scheduled_changes_changed" ON "scheduled_changes";
DROP FUNCTION "config_bump_revision"();

-- The argument names the row's key column. A changed key logs both the old key and the new one.
-- NOTIFY is delivered only when the transaction commits.
CREATE FUNCTION "config_log_change"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    changed_key TEXT;
    new_revision INTEGER;
BEGIN
    FOR changed_key IN
        SELECT DISTINCT k FROM unnest(ARRAY[to_jsonb(OLD) ->> TG_ARGV[0], to_jsonb(NEW) ->> TG_ARGV[0]]) AS k WHERE k IS NOT NULL
    LOOP
        UPDATE "config_revision" SET "revision" = "revision" + 1 WHERE "id" = 1 RETURNING "revision" INTO new_revision;
        INSERT INTO "config_changes" ("revision", "table_name", "key") VALUES (new_revision, TG_TABLE_NAME, changed_key);
    END LOOP;
    DELETE FROM "config_changes" WHERE "revision" <= new_revision - 1000;
    PERFORM pg_notify('config_changed', new_revision::text);
    RETURN NULL;
END
$$;

CREATE TRIGGER "flags_changed" AFTER INSERT OR UPDATE OR DELETE ON "flags"
    FOR EACH ROW EXECUTE FUNCTION "config_log_change"('flag_name');

CREATE TRIGGER "api_keys_changed" AFTER INSERT OR UPDATE OR DELETE ON "api_keys"
    FOR EACH ROW EXECUTE FUNCTION "config_log_change"('id');

CREATE TRIGGER "segments_changed" AFTER INSERT OR UPDATE OR DELETE ON "segments"
    FOR EACH ROW EXECUTE FUNCTION "config_log_change"('name');

CREATE TRIGGER "scheduled_changes_changed" AFTER INSERT OR UPDATE OR DELETE ON "scheduled_changes"
    FOR EACH ROW EXECUTE FUNCTION "config_log_change"('id');
