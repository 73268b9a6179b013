-- A project's experiment settings: whether new experiments test sequentially, and the minimum days
-- and users per variant before an experiment's verdict may say more than "too early".
ALTER TABLE "projects" ADD COLUMN "experiment_sequential" BOOLEAN NOT NULL DEFAULT true;
ALTER TABLE "projects" ADD COLUMN "experiment_min_days" INTEGER NOT NULL DEFAULT 7;
ALTER TABLE "projects" ADD COLUMN "experiment_min_users_per_variant" INTEGER NOT NULL DEFAULT 100;
