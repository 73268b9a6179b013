-- Typed flags for OpenFeature: what a flag's variants are worth ("boolean" as before, "string",
-- "number" or "object", each variant then carrying its "value" in the variants JSON), and the
-- variant served when the flag is off for a user.
ALTER TABLE "flags" ADD COLUMN "value_type" TEXT NOT NULL DEFAULT 'boolean';
ALTER TABLE "flags" ADD COLUMN "off_variant" TEXT;
