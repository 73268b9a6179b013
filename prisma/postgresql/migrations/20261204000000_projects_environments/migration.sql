-- Projects and environments. A flag's definition (name, description, kind, tags, variant keys and
-- payloads) stays in "flags", now per project; its configuration (status, percentage, variant weights,
-- rules, overrides, prerequisites) moves to "flag_configs", one row per environment. Everything that
-- existed moves into project "default": flags' configuration into its "production" environment, and
-- "development" starts with every flag off.

CREATE TABLE "projects" (
    "id" SERIAL NOT NULL,
    "project_key" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,
    CONSTRAINT "projects_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "projects_project_key_key" ON "projects"("project_key");

CREATE TABLE "environments" (
    "id" SERIAL NOT NULL,
    "project_id" INTEGER NOT NULL,
    "environment_key" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "position" INTEGER NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,
    CONSTRAINT "environments_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "environments_project_id_environment_key_key" ON "environments"("project_id", "environment_key");

CREATE TABLE "flag_configs" (
    "id" SERIAL NOT NULL,
    "flag_id" INTEGER NOT NULL,
    "environment_id" INTEGER NOT NULL,
    "status" BOOLEAN NOT NULL DEFAULT false,
    "rollout_bp" INTEGER NOT NULL DEFAULT 10000,
    "weights" TEXT,
    "rules" TEXT,
    "overrides" TEXT,
    "prerequisites" TEXT,
    "updated_at" TIMESTAMP(3) NOT NULL,
    CONSTRAINT "flag_configs_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "flag_configs_flag_id_environment_id_key" ON "flag_configs"("flag_id", "environment_id");
CREATE INDEX "flag_configs_environment_id_idx" ON "flag_configs"("environment_id");

CREATE TABLE "flag_evaluations" (
    "flag_id" INTEGER NOT NULL,
    "environment_id" INTEGER NOT NULL,
    "last_evaluated_at" TIMESTAMP(3) NOT NULL,
    CONSTRAINT "flag_evaluations_pkey" PRIMARY KEY ("flag_id", "environment_id")
);

-- Fixed ids: the statements below refer to them; the sequences go on after them.
INSERT INTO "projects" ("id", "project_key", "name", "description", "updated_at")
VALUES (1, 'default', 'Default', NULL, CURRENT_TIMESTAMP);
INSERT INTO "environments" ("id", "project_id", "environment_key", "name", "position", "updated_at")
VALUES (1, 1, 'development', 'Development', 0, CURRENT_TIMESTAMP), (2, 1, 'production', 'Production', 1, CURRENT_TIMESTAMP);
SELECT setval(pg_get_serial_sequence('"projects"', 'id'), 1);
SELECT setval(pg_get_serial_sequence('"environments"', 'id'), 2);

-- Each flag's configuration as it was, in production; in development the flag is off, with the same
-- variant weights and nothing else.
INSERT INTO "flag_configs" ("flag_id", "environment_id", "status", "rollout_bp", "weights", "rules", "overrides", "prerequisites", "updated_at")
SELECT "id", 2, "status", "rollout_bp",
       CASE WHEN "variants" IS NULL THEN NULL ELSE
         (SELECT jsonb_agg(jsonb_build_object('key', v ->> 'key', 'weight_bp', (v ->> 'weight_bp')::integer) ORDER BY o)::text
          FROM jsonb_array_elements("flags"."variants"::jsonb) WITH ORDINALITY AS e(v, o))
       END,
       "rules", "overrides", "prerequisites", "updated_at"
FROM "flags" ORDER BY "id";
INSERT INTO "flag_configs" ("flag_id", "environment_id", "status", "rollout_bp", "weights", "updated_at")
SELECT "flag_id", 1, false, 10000, "weights", "updated_at" FROM "flag_configs" WHERE "environment_id" = 2 ORDER BY "flag_id";

UPDATE "flags" SET "variants" =
  (SELECT jsonb_agg(jsonb_build_object('key', v ->> 'key', 'payload', v -> 'payload') ORDER BY o)::text
   FROM jsonb_array_elements("flags"."variants"::jsonb) WITH ORDINALITY AS e(v, o))
WHERE "variants" IS NOT NULL;
DROP INDEX "flags_flag_name_key";
ALTER TABLE "flags" DROP COLUMN "status", DROP COLUMN "rollout_bp", DROP COLUMN "rules", DROP COLUMN "overrides",
    DROP COLUMN "prerequisites", ADD COLUMN "project_id" INTEGER NOT NULL DEFAULT 1,
    ADD COLUMN "kind" TEXT NOT NULL DEFAULT 'release', ADD COLUMN "tags" TEXT;
ALTER TABLE "flags" ALTER COLUMN "project_id" DROP DEFAULT;
CREATE UNIQUE INDEX "flags_project_id_flag_name_key" ON "flags"("project_id", "flag_name");

DROP INDEX "segments_name_key";
ALTER TABLE "segments" ADD COLUMN "project_id" INTEGER NOT NULL DEFAULT 1;
ALTER TABLE "segments" ALTER COLUMN "project_id" DROP DEFAULT;
CREATE UNIQUE INDEX "segments_project_id_name_key" ON "segments"("project_id", "name");

ALTER TABLE "scheduled_changes" ADD COLUMN "environment_id" INTEGER NOT NULL DEFAULT 2;
ALTER TABLE "scheduled_changes" ALTER COLUMN "environment_id" DROP DEFAULT;

DROP INDEX "experiments_experiment_key_key";
DROP INDEX "experiments_flag_name_idx";
ALTER TABLE "experiments" ADD COLUMN "environment_id" INTEGER NOT NULL DEFAULT 2;
ALTER TABLE "experiments" ALTER COLUMN "environment_id" DROP DEFAULT;
CREATE UNIQUE INDEX "experiments_environment_id_experiment_key_key" ON "experiments"("environment_id", "experiment_key");
CREATE INDEX "experiments_environment_id_flag_name_idx" ON "experiments"("environment_id", "flag_name");

DROP INDEX "events_event_id_key";
DROP INDEX "events_event_user_id_at_ms_idx";
ALTER TABLE "events" ADD COLUMN "environment_id" INTEGER NOT NULL DEFAULT 2;
ALTER TABLE "events" ALTER COLUMN "environment_id" DROP DEFAULT;
CREATE UNIQUE INDEX "events_environment_id_event_id_key" ON "events"("environment_id", "event_id");
CREATE INDEX "events_environment_id_event_user_id_at_ms_idx" ON "events"("environment_id", "event", "user_id", "at_ms");

-- Existing keys stay global: admin keys for every project, evaluate keys in default/production.
ALTER TABLE "api_keys" ADD COLUMN "project_id" INTEGER, ADD COLUMN "environment_id" INTEGER;
UPDATE "api_keys" SET "project_id" = 1, "environment_id" = 2 WHERE "scope" = 'evaluate';

ALTER TABLE "audit_log" ADD COLUMN "project" TEXT, ADD COLUMN "environment" TEXT;
UPDATE "audit_log" SET "project" = 'default' WHERE "target_type" <> 'api_key';
UPDATE "audit_log" SET "environment" = 'production' WHERE "target_type" IN ('flag', 'experiment');
CREATE INDEX "audit_log_project_id_idx" ON "audit_log"("project", "id");

-- The change log names rows by id from now on.
DROP TRIGGER "flags_changed" ON "flags";
DROP TRIGGER "segments_changed" ON "segments";
DROP TRIGGER "experiments_changed" ON "experiments";
CREATE TRIGGER "projects_changed" AFTER INSERT OR UPDATE OR DELETE ON "projects"
    FOR EACH ROW EXECUTE FUNCTION "config_log_change"('id');
CREATE TRIGGER "environments_changed" AFTER INSERT OR UPDATE OR DELETE ON "environments"
    FOR EACH ROW EXECUTE FUNCTION "config_log_change"('id');
CREATE TRIGGER "flags_changed" AFTER INSERT OR UPDATE OR DELETE ON "flags"
    FOR EACH ROW EXECUTE FUNCTION "config_log_change"('id');
CREATE TRIGGER "flag_configs_changed" AFTER INSERT OR UPDATE OR DELETE ON "flag_configs"
    FOR EACH ROW EXECUTE FUNCTION "config_log_change"('id');
CREATE TRIGGER "segments_changed" AFTER INSERT OR UPDATE OR DELETE ON "segments"
    FOR EACH ROW EXECUTE FUNCTION "config_log_change"('id');
CREATE TRIGGER "experiments_changed" AFTER INSERT OR UPDATE OR DELETE ON "experiments"
    FOR EACH ROW EXECUTE FUNCTION "config_log_change"('id');

-- Entries logged by name before this migration would be read as ids: an instance behind reloads everything.
UPDATE "config_revision" SET "revision" = "revision" + 1 WHERE "id" = 1;
DELETE FROM "config_changes";
