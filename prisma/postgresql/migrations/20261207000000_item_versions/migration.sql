-- Per-item versions: every write of a project, environment, flag definition, flag configuration,
-- segment, experiment or webhook raises its version by one, so a command prepared against version 7
-- of an item can tell whether the item moved since (a change request waiting for approval, say).
-- Rows that exist start at version 1.
ALTER TABLE "projects" ADD COLUMN "version" INTEGER NOT NULL DEFAULT 1;
ALTER TABLE "environments" ADD COLUMN "version" INTEGER NOT NULL DEFAULT 1;
ALTER TABLE "flags" ADD COLUMN "version" INTEGER NOT NULL DEFAULT 1;
ALTER TABLE "flag_configs" ADD COLUMN "version" INTEGER NOT NULL DEFAULT 1;
ALTER TABLE "segments" ADD COLUMN "version" INTEGER NOT NULL DEFAULT 1;
ALTER TABLE "experiments" ADD COLUMN "version" INTEGER NOT NULL DEFAULT 1;
ALTER TABLE "webhooks" ADD COLUMN "version" INTEGER NOT NULL DEFAULT 1;
