-- Audit ids and configuration revisions become 64-bit: a revision is taken per changed row, so a
-- busy installation would pass 2^31 and every write would then fail ("value out of range for type
-- integer"). SQLite needs no change: its INTEGER is 64-bit already.
ALTER TABLE "audit_log" ALTER COLUMN "id" SET DATA TYPE BIGINT;
-- A sequence at its type's default bounds takes the new type's bounds with it.
ALTER SEQUENCE "audit_log_id_seq" AS BIGINT;
ALTER TABLE "config_revision" ALTER COLUMN "revision" SET DATA TYPE BIGINT;
ALTER TABLE "config_changes" ALTER COLUMN "revision" SET DATA TYPE BIGINT;

-- As in 20261127060000_config_changes, with a 64-bit revision.
CREATE OR REPLACE FUNCTION "config_log_change"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    changed_key TEXT;
    new_revision BIGINT;
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
