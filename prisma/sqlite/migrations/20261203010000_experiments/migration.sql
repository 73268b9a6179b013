-- CreateTable
CREATE TABLE "experiments" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "experiment_key" TEXT NOT NULL,
    "flag_name" TEXT NOT NULL,
    "control" TEXT NOT NULL,
    "metrics" TEXT NOT NULL,
    "hypothesis" TEXT,
    "sequential" BOOLEAN NOT NULL DEFAULT false,
    "status" TEXT NOT NULL,
    "start_weights" TEXT,
    "started_at" DATETIME,
    "stopped_at" DATETIME,
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "exposures" (
    "experiment_id" INTEGER NOT NULL,
    "user_id" TEXT NOT NULL,
    "variant" TEXT NOT NULL,
    "at_ms" INTEGER NOT NULL,
    "multiple" BOOLEAN NOT NULL DEFAULT false,

    PRIMARY KEY ("experiment_id", "user_id")
);

-- CreateTable
CREATE TABLE "events" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "event_id" TEXT,
    "event" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "value" REAL,
    "at_ms" INTEGER NOT NULL
);

-- CreateIndex
CREATE UNIQUE INDEX "experiments_experiment_key_key" ON "experiments"("experiment_key");

-- CreateIndex
CREATE INDEX "experiments_flag_name_idx" ON "experiments"("flag_name");

-- CreateIndex
CREATE UNIQUE INDEX "events_event_id_key" ON "events"("event_id");

-- CreateIndex
CREATE INDEX "events_event_user_id_at_ms_idx" ON "events"("event", "user_id", "at_ms");

-- CreateIndex
CREATE INDEX "events_at_ms_idx" ON "events"("at_ms");

-- Evaluation records exposures for running experiments, so every instance keeps them in its snapshot.
CREATE TRIGGER "config_changes_after_experiments_insert" AFTER INSERT ON "experiments" BEGIN
    UPDATE "config_revision" SET "revision" = "revision" + 1 WHERE "id" = 1;
    INSERT INTO "config_changes" ("revision", "table_name", "key") SELECT "revision", 'experiments', NEW."experiment_key" FROM "config_revision" WHERE "id" = 1;
    DELETE FROM "config_changes" WHERE "revision" <= (SELECT "revision" FROM "config_revision" WHERE "id" = 1) - 1000;
END;

CREATE TRIGGER "config_changes_after_experiments_update" AFTER UPDATE ON "experiments" BEGIN
    UPDATE "config_revision" SET "revision" = "revision" + 1 WHERE "id" = 1;
    INSERT INTO "config_changes" ("revision", "table_name", "key") SELECT "revision", 'experiments', OLD."experiment_key" FROM "config_revision" WHERE "id" = 1;
    UPDATE "config_revision" SET "revision" = "revision" + 1 WHERE "id" = 1 AND NEW."experiment_key" IS NOT OLD."experiment_key";
    INSERT INTO "config_changes" ("revision", "table_name", "key") SELECT "revision", 'experiments', NEW."experiment_key" FROM "config_revision" WHERE "id" = 1 AND NEW."experiment_key" IS NOT OLD."experiment_key";
    DELETE FROM "config_changes" WHERE "revision" <= (SELECT "revision" FROM "config_revision" WHERE "id" = 1) - 1000;
END;

CREATE TRIGGER "config_changes_after_experiments_delete" AFTER DELETE ON "experiments" BEGIN
    UPDATE "config_revision" SET "revision" = "revision" + 1 WHERE "id" = 1;
    INSERT INTO "config_changes" ("revision", "table_name", "key") SELECT "revision", 'experiments', OLD."experiment_key" FROM "config_revision" WHERE "id" = 1;
    DELETE FROM "config_changes" WHERE "revision" <= (SELECT "revision" FROM "config_revision" WHERE "id" = 1) - 1000;
END;
