-- CreateTable
CREATE TABLE "flags_revision" (
    "id" INTEGER NOT NULL PRIMARY KEY,
    "revision" INTEGER NOT NULL DEFAULT 0
);

INSERT INTO "flags_revision" ("id", "revision") VALUES (1, 0);

-- Every change to flags, whoever makes it, bumps the revision that instances poll.
CREATE TRIGGER "flags_revision_after_insert" AFTER INSERT ON "flags"
BEGIN UPDATE "flags_revision" SET "revision" = "revision" + 1 WHERE "id" = 1; END;

CREATE TRIGGER "flags_revision_after_update" AFTER UPDATE ON "flags"
BEGIN UPDATE "flags_revision" SET "revision" = "revision" + 1 WHERE "id" = 1; END;

CREATE TRIGGER "flags_revision_after_delete" AFTER DELETE ON "flags"
BEGIN UPDATE "flags_revision" SET "revision" = "revision" + 1 WHERE "id" = 1; END;
