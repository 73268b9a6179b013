-- People who sign in (accounts), and service accounts for machines; their sessions, one-time links
-- (setup, invitations, password resets), roles per project, and the growing delay between failed
-- sign-ins per email. Secrets are stored only as SHA-256 hashes, passwords as argon2id hashes.
CREATE TABLE "accounts" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "kind" TEXT NOT NULL DEFAULT 'person',
    "email" TEXT,
    "email_key" TEXT,
    "name" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'active',
    "owner" BOOLEAN NOT NULL DEFAULT false,
    "password_hash" TEXT,
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_seen_at" DATETIME,
    "deactivated_at" DATETIME
);
CREATE UNIQUE INDEX "accounts_email_key_key" ON "accounts"("email_key");

CREATE TABLE "sessions" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "token_hash" TEXT NOT NULL,
    "account_id" TEXT NOT NULL,
    "created_at" DATETIME NOT NULL,
    "last_seen_at" DATETIME NOT NULL,
    "expires_at" DATETIME NOT NULL,
    "address" TEXT,
    "user_agent" TEXT
);
CREATE UNIQUE INDEX "sessions_token_hash_key" ON "sessions"("token_hash");
CREATE INDEX "sessions_account_id_idx" ON "sessions"("account_id");

CREATE TABLE "one_time_tokens" (
    "token_hash" TEXT NOT NULL PRIMARY KEY,
    "purpose" TEXT NOT NULL,
    "slot" TEXT,
    "account_id" TEXT,
    "created_at" DATETIME NOT NULL,
    "expires_at" DATETIME NOT NULL,
    "used_at" DATETIME
);
CREATE UNIQUE INDEX "one_time_tokens_slot_key" ON "one_time_tokens"("slot");

CREATE TABLE "project_members" (
    "account_id" TEXT NOT NULL,
    "project_id" INTEGER NOT NULL,
    "role" TEXT NOT NULL,
    "environments" TEXT,
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,

    PRIMARY KEY ("account_id", "project_id")
);

CREATE TABLE "sign_in_throttles" (
    "email_key" TEXT NOT NULL PRIMARY KEY,
    "failures" INTEGER NOT NULL,
    "last_failure_at" DATETIME NOT NULL
);

-- Personal access tokens: a person's permissions, for their scripts and CI.
CREATE TABLE "personal_tokens" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "account_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "token_hash" TEXT NOT NULL,
    "created_at" DATETIME NOT NULL,
    "expires_at" DATETIME,
    "last_used_at" DATETIME,
    "revoked_at" DATETIME
);
CREATE UNIQUE INDEX "personal_tokens_token_hash_key" ON "personal_tokens"("token_hash");
CREATE INDEX "personal_tokens_account_id_idx" ON "personal_tokens"("account_id");

-- Who made a change: the account, and how it signed in (null in entries made before accounts existed).
ALTER TABLE "audit_log" ADD COLUMN "actor_account_id" TEXT;
ALTER TABLE "audit_log" ADD COLUMN "actor_signed_in_by" TEXT;
