-- Projects and environments. A flag's definition (name, description, kind, tags, variant keys and
-- payloads) stays in "flags", now per project; its configuration (status, percentage, variant weights,
-- rules, overrides, prerequisites) moves to "flag_configs", one row per environment. Everything that
-- existed moves into project "default": flags' configuration into its "production" environment, and
-- "development" starts with every flag off.

CREATE TABLE "projects" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "project_key" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT,
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" DATETIME NOT NULL
);
CREATE UNIQUE INDEX "projects_project_key_key" ON "projects"("project_key");

CREATE TABLE "environments" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "project_id" INTEGER NOT NULL,
    "environment_key" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "position" INTEGER NOT NULL,
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" DATETIME NOT NULL
);
CREATE UNIQUE INDEX "environments_project_id_environment_key_key" ON "environments"("project_id", "environment_key");

CREATE TABLE "flag_configs" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "flag_id" INTEGER NOT NULL,
    "environment_id" INTEGER NOT NULL,
    "status" BOOLEAN NOT NULL DEFAULT false,
    "rollout_bp" INTEGER NOT NULL DEFAULT 10000,
    "weights" TEXT,
    "rules" TEXT,
    "overrides" TEXT,
    "prerequisites" TEXT,
    "updated_at" DATETIME NOT NULL
);
CREATE UNIQUE INDEX "flag_configs_flag_id_environment_id_key" ON "flag_configs"("flag_id", "environment_id");
CREATE INDEX "flag_configs_environment_id_idx" ON "flag_configs"("environment_id");

CREATE TABLE "flag_evaluations" (
    "flag_id" INTEGER NOT NULL,
    "environment_id" INTEGER NOT NULL,
    "last_evaluated_at" DATETIME NOT NULL,
    PRIMARY KEY ("flag_id", "environment_id")
);

-- Fixed ids: the statements below refer to them.
INSERT INTO "projects" ("id", "project_key", "name", "description", "created_at", "updated_at")
VALUES (1, 'default', 'Default', NULL, strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now'), strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now'));
INSERT INTO "environments" ("id", "project_id", "environment_key", "name", "position", "created_at", "updated_at")
VALUES (1, 1, 'development', 'Development', 0, strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now'), strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now')),
       (2, 1, 'production', 'Production', 1, strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now'), strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now'));

-- Each flag's configuration as it was, in production; in development the flag is off, with the same
-- variant weights and nothing else.
INSERT INTO "flag_configs" ("flag_id", "environment_id", "status", "rollout_bp", "weights", "rules", "overrides", "prerequisites", "updated_at")
SELECT "id", 2, "status", "rollout_bp",
       CASE WHEN "variants" IS NULL THEN NULL ELSE
         (SELECT json_group_array(json_object('key', v.value ->> 'key', 'weight_bp', v.value ->> 'weight_bp')) FROM json_each("flags"."variants") v)
       END,
       "rules", "overrides", "prerequisites", "updated_at"
FROM "flags";
INSERT INTO "flag_configs" ("flag_id", "environment_id", "status", "rollout_bp", "weights", "updated_at")
SELECT "flag_id", 1, false, 10000, "weights", "updated_at" FROM "flag_configs" WHERE "environment_id" = 2;

-- The change log names rows by id from now on.
DROP TRIGGER "config_changes_after_flags_insert";
DROP TRIGGER "config_changes_after_flags_update";
DROP TRIGGER "config_changes_after_flags_delete";
DROP TRIGGER "config_changes_after_segments_insert";
DROP TRIGGER "config_changes_after_segments_update";
DROP TRIGGER "config_changes_after_segments_delete";
DROP TRIGGER "config_changes_after_experiments_insert";
DROP TRIGGER "config_changes_after_experiments_update";
DROP TRIGGER "config_changes_after_experiments_delete";

UPDATE "flags" SET "variants" =
  (SELECT json_group_array(json_object('key', v.value ->> 'key', 'payload', json(v.value -> 'payload'))) FROM json_each("flags"."variants") v)
WHERE "variants" IS NOT NULL;
DROP INDEX "flags_flag_name_key";
ALTER TABLE "flags" DROP COLUMN "status";
ALTER TABLE "flags" DROP COLUMN "rollout_bp";
ALTER TABLE "flags" DROP COLUMN "rules";
ALTER TABLE "flags" DROP COLUMN "overrides";
ALTER TABLE "flags" DROP COLUMN "prerequisites";
ALTER TABLE "flags" ADD COLUMN "project_id" INTEGER NOT NULL DEFAULT 1;
ALTER TABLE "flags" ADD COLUMN "kind" TEXT NOT NULL DEFAULT 'release';
ALTER TABLE "flags" ADD COLUMN "tags" TEXT;
CREATE UNIQUE INDEX "flags_project_id_flag_name_key" ON "flags"("project_id", "flag_name");

DROP INDEX "segments_name_key";
ALTER TABLE "segments" ADD COLUMN "project_id" INTEGER NOT NULL DEFAULT 1;
CREATE UNIQUE INDEX "segments_project_id_name_key" ON "segments"("project_id", "name");

ALTER TABLE "scheduled_changes" ADD COLUMN "environment_id" INTEGER NOT NULL DEFAULT 2;

DROP INDEX "experiments_experiment_key_key";
DROP INDEX "experiments_flag_name_idx";
ALTER TABLE "experiments" ADD COLUMN "environment_id" INTEGER NOT NULL DEFAULT 2;
CREATE UNIQUE INDEX "experiments_environment_id_experiment_key_key" ON "experiments"("environment_id", "experiment_key");
CREATE INDEX "experiments_environment_id_flag_name_idx" ON "experiments"("environment_id", "flag_name");

DROP INDEX "events_event_id_key";
DROP INDEX "events_event_user_id_at_ms_idx";
ALTER TABLE "events" ADD COLUMN "environment_id" INTEGER NOT NULL DEFAULT 2;
CREATE UNIQUE INDEX "events_environment_id_event_id_key" ON "events"("environment_id", "event_id");
CREATE INDEX "events_environment_id_event_user_id_at_ms_idx" ON "events"("environment_id", "event", "user_id", "at_ms");

-- Existing keys stay global: admin keys for every project, evaluate keys in default/production.
ALTER TABLE "api_keys" ADD COLUMN "project_id" INTEGER;
ALTER TABLE "api_keys" ADD COLUMN "environment_id" INTEGER;
UPDATE "api_keys" SET "project_id" = 1, "environment_id" = 2 WHERE "scope" = 'evaluate';

ALTER TABLE "audit_log" ADD COLUMN "project" TEXT;
ALTER TABLE "audit_log" ADD COLUMN "environment" TEXT;
UPDATE "audit_log" SET "project" = 'default' WHERE "target_type" <> 'api_key';
UPDATE "audit_log" SET "environment" = 'production' WHERE "target_type" IN ('flag', 'experiment');
CREATE INDEX "audit_log_project_id_idx" ON "audit_log"("project", "id");

CREATE TRIGGER "config_changes_after_projects_insert" AFTER INSERT ON "projects" BEGIN
    UPDATE "config_revision" SET "revision" = "revision" + 1 WHERE "id" = 1;
    INSERT INTO "config_changes" ("revision", "table_name", "key") SELECT "revision", 'projects', NEW."id" FROM "config_revision" WHERE "id" = 1;
    DELETE FROM "config_changes" WHERE "revision" <= (SELECT "revision" FROM "config_revision" WHERE "id" = 1) - 1000;
END;
CREATE TRIGGER "config_changes_after_projects_update" AFTER UPDATE ON "projects" BEGIN
    UPDATE "config_revision" SET "revision" = "revision" + 1 WHERE "id" = 1;
    INSERT INTO "config_changes" ("revision", "table_name", "key") SELECT "revision", 'projects', NEW."id" FROM "config_revision" WHERE "id" = 1;
    DELETE FROM "config_changes" WHERE "revision" <= (SELECT "revision" FROM "config_revision" WHERE "id" = 1) - 1000;
END;
CREATE TRIGGER "config_changes_after_projects_delete" AFTER DELETE ON "projects" BEGIN
    UPDATE "config_revision" SET "revision" = "revision" + 1 WHERE "id" = 1;
    INSERT INTO "config_changes" ("revision", "table_name", "key") SELECT "revision", 'projects', OLD."id" FROM "config_revision" WHERE "id" = 1;
    DELETE FROM "config_changes" WHERE "revision" <= (SELECT "revision" FROM "config_revision" WHERE "id" = 1) - 1000;
END;

CREATE TRIGGER "config_changes_after_environments_insert" AFTER INSERT ON "environments" BEGIN
    UPDATE "config_revision" SET "revision" = "revision" + 1 WHERE "id" = 1;
    INSERT INTO "config_changes" ("revision", "table_name", "key") SELECT "revision", 'environments', NEW."id" FROM "config_revision" WHERE "id" = 1;
    DELETE FROM "config_changes" WHERE "revision" <= (SELECT "revision" FROM "config_revision" WHERE "id" = 1) - 1000;
END;
CREATE TRIGGER "config_changes_after_environments_update" AFTER UPDATE ON "environments" BEGIN
    UPDATE "config_revision" SET "revision" = "revision" + 1 WHERE "id" = 1;
    INSERT INTO "config_changes" ("revision", "table_name", "key") SELECT "revision", 'environments', NEW."id" FROM "config_revision" WHERE "id" = 1;
    DELETE FROM "config_changes" WHERE "revision" <= (SELECT "revision" FROM "config_revision" WHERE "id" = 1) - 1000;
END;
CREATE TRIGGER "config_changes_after_environments_delete" AFTER DELETE ON "environments" BEGIN
    UPDATE "config_revision" SET "revision" = "revision" + 1 WHERE "id" = 1;
    INSERT INTO "config_changes" ("revision", "table_name", "key") SELECT "revision", 'environments', OLD."id" FROM "config_revision" WHERE "id" = 1;
    DELETE FROM "config_changes" WHERE "revision" <= (SELECT "revision" FROM "config_revision" WHERE "id" = 1) - 1000;
END;

CREATE TRIGGER "config_changes_after_flags_insert" AFTER INSERT ON "flags" BEGIN
    UPDATE "config_revision" SET "revision" = "revision" + 1 WHERE "id" = 1;
    INSERT INTO "config_changes" ("revision", "table_name", "key") SELECT "revision", 'flags', NEW."id" FROM "config_revision" WHERE "id" = 1;
    DELETE FROM "config_changes" WHERE "revision" <= (SELECT "revision" FROM "config_revision" WHERE "id" = 1) - 1000;
END;
CREATE TRIGGER "config_changes_after_flags_update" AFTER UPDATE ON "flags" BEGIN
    UPDATE "config_revision" SET "revision" = "revision" + 1 WHERE "id" = 1;
    INSERT INTO "config_changes" ("revision", "table_name", "key") SELECT "revision", 'flags', NEW."id" FROM "config_revision" WHERE "id" = 1;
    DELETE FROM "config_changes" WHERE "revision" <= (SELECT "revision" FROM "config_revision" WHERE "id" = 1) - 1000;
END;
CREATE TRIGGER "config_changes_after_flags_delete" AFTER DELETE ON "flags" BEGIN
    UPDATE "config_revision" SET "revision" = "revision" + 1 WHERE "id" = 1;
    INSERT INTO "config_changes" ("revision", "table_name", "key") SELECT "revision", 'flags', OLD."id" FROM "config_revision" WHERE "id" = 1;
    DELETE FROM "config_changes" WHERE "revision" <= (SELECT "revision" FROM "config_revision" WHERE "id" = 1) - 1000;
END;

CREATE TRIGGER "config_changes_after_flag_configs_insert" AFTER INSERT ON "flag_configs" BEGIN
    UPDATE "config_revision" SET "revision" = "revision" + 1 WHERE "id" = 1;
    INSERT INTO "config_changes" ("revision", "table_name", "key") SELECT "revision", 'flag_configs', NEW."id" FROM "config_revision" WHERE "id" = 1;
    DELETE FROM "config_changes" WHERE "revision" <= (SELECT "revision" FROM "config_revision" WHERE "id" = 1) - 1000;
END;
CREATE TRIGGER "config_changes_after_flag_configs_update" AFTER UPDATE ON "flag_configs" BEGIN
    UPDATE "config_revision" SET "revision" = "revision" + 1 WHERE "id" = 1;
    INSERT INTO "config_changes" ("revision", "table_name", "key") SELECT "revision", 'flag_configs', NEW."id" FROM "config_revision" WHERE "id" = 1;
    DELETE FROM "config_changes" WHERE "revision" <= (SELECT "revision" FROM "config_revision" WHERE "id" = 1) - 1000;
END;
CREATE TRIGGER "config_changes_after_flag_configs_delete" AFTER DELETE ON "flag_configs" BEGIN
    UPDATE "config_revision" SET "revision" = "revision" + 1 WHERE "id" = 1;
    INSERT INTO "config_changes" ("revision", "table_name", "key") SELECT "revision", 'flag_configs', OLD."id" FROM "config_revision" WHERE "id" = 1;
    DELETE FROM "config_changes" WHERE "revision" <= (SELECT "revision" FROM "config_revision" WHERE "id" = 1) - 1000;
END;

CREATE TRIGGER "config_changes_after_segments_insert" AFTER INSERT ON "segments" BEGIN
    UPDATE "config_revision" SET "revision" = "revision" + 1 WHERE "id" = 1;
    INSERT INTO "config_changes" ("revision", "table_name", "key") SELECT "revision", 'segments', NEW."id" FROM "config_revision" WHERE "id" = 1;
    DELETE FROM "config_changes" WHERE "revision" <= (SELECT "revision" FROM "config_revision" WHERE "id" = 1) - 1000;
END;
CREATE TRIGGER "config_changes_after_segments_update" AFTER UPDATE ON "segments" BEGIN
    UPDATE "config_revision" SET "revision" = "revision" + 1 WHERE "id" = 1;
    INSERT INTO "config_changes" ("revision", "table_name", "key") SELECT "revision", 'segments', NEW."id" FROM "config_revision" WHERE "id" = 1;
    DELETE FROM "config_changes" WHERE "revision" <= (SELECT "revision" FROM "config_revision" WHERE "id" = 1) - 1000;
END;
CREATE TRIGGER "config_changes_after_segments_delete" AFTER DELETE ON "segments" BEGIN
    UPDATE "config_revision" SET "revision" = "revision" + 1 WHERE "id" = 1;
    INSERT INTO "config_changes" ("revision", "table_name", "key") SELECT "revision", 'segments', OLD."id" FROM "config_revision" WHERE "id" = 1;
    DELETE FROM "config_changes" WHERE "revision" <= (SELECT "revision" FROM "config_revision" WHERE "id" = 1) - 1000;
END;

CREATE TRIGGER "config_changes_after_experiments_insert" AFTER INSERT ON "experiments" BEGIN
    UPDATE "config_revision" SET "revision" = "revision" + 1 WHERE "id" = 1;
    INSERT INTO "config_changes" ("revision", "table_name", "key") SELECT "revision", 'experiments', NEW."id" FROM "config_revision" WHERE "id" = 1;
    DELETE FROM "config_changes" WHERE "revision" <= (SELECT "revision" FROM "config_revision" WHERE "id" = 1) - 1000;
END;
CREATE TRIGGER "config_changes_after_experiments_update" AFTER UPDATE ON "experiments" BEGIN
    UPDATE "config_revision" SET "revision" = "revision" + 1 WHERE "id" = 1;
    INSERT INTO "config_changes" ("revision", "table_name", "key") SELECT "revision", 'experiments', NEW."id" FROM "config_revision" WHERE "id" = 1;
    DELETE FROM "config_changes" WHERE "revision" <= (SELECT "revision" FROM "config_revision" WHERE "id" = 1) - 1000;
END;
CREATE TRIGGER "config_changes_after_experiments_delete" AFTER DELETE ON "experiments" BEGIN
    UPDATE "config_revision" SET "revision" = "revision" + 1 WHERE "id" = 1;
    INSERT INTO "config_changes" ("revision", "table_name", "key") SELECT "revision", 'experiments', OLD."id" FROM "config_revision" WHERE "id" = 1;
    DELETE FROM "config_changes" WHERE "revision" <= (SELECT "revision" FROM "config_revision" WHERE "id" = 1) - 1000;
END;

-- Entries logged by name before this migration would be read as ids: an instance behind reloads everything.
UPDATE "config_revision" SET "revision" = "revision" + 1 WHERE "id" = 1;
DELETE FROM "config_changes";
