-- CreateTable
CREATE TABLE "flags" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "flag_name" TEXT NOT NULL,
    "status" BOOLEAN NOT NULL DEFAULT false,
    "rollout_bp" INTEGER NOT NULL DEFAULT 10000,
    "description" TEXT,
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" DATETIME NOT NULL
);

-- CreateIndex
CREATE UNIQUE INDEX "flags_flag_name_key" ON "flags"("flag_name");
