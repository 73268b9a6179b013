-- CreateTable
CREATE TABLE "experiments" (
    "id" SERIAL NOT NULL,
    "experiment_key" TEXT NOT NULL,
    "flag_name" TEXT NOT NULL,
    "control" TEXT NOT NULL,
    "metrics" TEXT NOT NULL,
    "hypothesis" TEXT,
    "sequential" BOOLEAN NOT NULL DEFAULT false,
    "status" TEXT NOT NULL,
    "start_weights" TEXT,
    "started_at" TIMESTAMP(3),
    "stopped_at" TIMESTAMP(3),
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "experiments_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "exposures" (
    "experiment_id" INTEGER NOT NULL,
    "user_id" TEXT NOT NULL,
    "variant" TEXT NOT NULL,
    "at_ms" BIGINT NOT NULL,
    "multiple" BOOLEAN NOT NULL DEFAULT false,

    CONSTRAINT "exposures_pkey" PRIMARY KEY ("experiment_id","user_id")
);

-- CreateTable
CREATE TABLE "events" (
    "id" BIGSERIAL NOT NULL,
    "event_id" TEXT,
    "event" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "value" DOUBLE PRECISION,
    "at_ms" BIGINT NOT NULL,

    CONSTRAINT "events_pkey" PRIMARY KEY ("id")
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
CREATE TRIGGER "experiments_changed" AFTER INSERT OR UPDATE OR DELETE ON "experiments"
    FOR EACH ROW EXECUTE FUNCTION "config_log_change"('experiment_key');
