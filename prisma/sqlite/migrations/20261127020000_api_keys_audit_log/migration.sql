-- Flags and API keys share one revision: an instance reloads both whenever it moves.
ALTER TABLE "flags_revision" RENAME TO "config_revision";

DROP TRIGGER "flags_revision_after_insert";
DROP TRIGGER "flags_revision_after_update";
DROP TRIGGER "flags_revision_after_delete";

-- CreateTable
CREATE TABLE "api_keys" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "scope" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "secret_hash" TEXT NOT NULL,
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "revoked_at" DATETIME
);

-- CreateTable
CREATE TABLE "audit_log" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actor_key_id" TEXT,
    "actor_name" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "target_type" TEXT NOT NULL,
    "target" TEXT NOT NULL,
    "before" TEXT,
    "after" TEXT
);

-- CreateIndex
CREATE UNIQUE INDEX "api_keys_secret_hash_key" ON "api_keys"("secret_hash");

-- CreateIndex
CREATE INDEX "audit_log_target_type_target_id_idx" ON "audit_log"("target_type", "target", "id");

-- Every change to flags or API keys, whoever makes it, bumps the revision that instances poll.
CREATE TRIGGER "config_revision_after_flags_insert" AFTER INSERT ON "flags"
BEGIN UPDATE "config_revision" SET "revision" = "revision" + 1 WHERE "id" = 1; END;

CREATE TRIGGER "config_revision_after_flags_update" AFTER UPDATE ON "flags"
BEGIN UPDATE "config_revision" SET "revision" = "revision" + 1 WHERE "id" = 1; END;

CREATE TRIGGER "config_revision_after_flags_delete" AFTER DELETE ON "flags"
BEGIN UPDATE "config_revision" SET "revision" = "revision" + 1 WHERE "id" = 1; END;

CREATE TRIGGER "config_revision_after_api_keys_insert" AFTER INSERT ON "api_keys"
BEGIN UPDATE "config_revision" SET "revision" = "revision" + 1 WHERE "id" = 1; END;

CREATE TRIGGER "config_revision_after_api_keys_update" AFTER UPDATE ON "api_keys"
BEGIN UPDATE "config_revision" SET "revision" = "revision" + 1 WHERE "id" = 1; END;

CREATE TRIGGER "config_revision_after_api_keys_delete" AFTER DELETE ON "api_keys"
BEGIN UPDATE "config_revision" SET "revision" = "revision" + 1 WHERE "id" = 1; END;
