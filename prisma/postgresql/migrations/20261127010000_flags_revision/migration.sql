-- CreateTable
CREATE TABLE "flags_revision" (
    "id" INTEGER NOT NULL,
    "revision" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "flags_revision_pkey" PRIMARY KEY ("id")
);

INSERT INTO "flags_revision" ("id", "revision") VALUES (1, 0);

-- Every committed change to flags, whoever makes it, bumps the revision and tells every
-- listening instance (LISTEN flags_changed); NOTIFY is delivered only when the transaction commits.
CREATE FUNCTION "flags_bump_revision"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    new_revision INTEGER;
BEGIN
    UPDATE "flags_revision" SET "revision" = "revision" + 1 WHERE "id" = 1 RETURNING "revision" INTO new_revision;
    PERFORM pg_notify('flags_changed', new_revision::text);
    RETURN NULL;
END
$$;

CREATE TRIGGER "flags_changed" AFTER INSERT OR UPDATE OR DELETE ON "flags"
    FOR EACH STATEMENT EXECUTE FUNCTION "flags_bump_revision"();
