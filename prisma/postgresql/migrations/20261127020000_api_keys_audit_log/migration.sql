-- Flags and API keys share one revision and one channel: an instance reloads both whenever it moves.
ALTER TABLE "flags_revision" RENAME TO "config_revision";
ALTER TABLE "config_revision" RENAME CONSTRAINT "flags_revision_pkey" TO "config_revision_pkey";

DROP TRIGGER "flags_changed" ON "flags";
DROP FUNCTION "flags_bump_revision"();

-- CreateTable
CREATE TABLE "api_keys" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "scope" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "secret_hash" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "revoked_at" TIMESTAMP(3),

    CONSTRAINT "api_keys_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "audit_log" (
    "id" SERIAL NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actor_key_id" TEXT,
    "actor_name" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "target_type" TEXT NOT NULL,
    "target" TEXT NOT NULL,
    "before" TEXT,
    "after" TEXT,

    CONSTRAINT "audit_log_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "api_keys_secret_hash_key" ON "api_keys"("secret_hash");

-- CreateIndex
CREATE INDEX "audit_log_target_type_target_id_idx" ON "audit_log"("target_type", "target", "id");

-- Every committed change to flags or API keys, whoever makes it, bumps the revision and tells every
-- listening instance (LISTEN config_changed); NOTIFY is delivered only when the transaction commits.
CREATE FUNCTION "config_bump_revision"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    new_revision INTEGER;
BEGIN
    UPDATE "config_revision" SET "revision" = "revision" + 1 WHERE "id" = 1 RETURNING "revision" INTO new_revision;
    PERFORM pg_notify('config_changed', new_revision::text);
    RETURN NULL;
END
$$;

CREATE TRIGGER "flags_changed" AFTER INSERT OR UPDATE OR DELETE ON "flags"
    FOR EACH STATEMENT EXECUTE FUNCTION "config_bump_revision"();

CREATE TRIGGER "api_keys_changed" AFTER INSERT OR UPDATE OR DELETE ON "api_keys"
    FOR EACH STATEMENT EXECUTE FUNCTION "config_bump_revision"();
