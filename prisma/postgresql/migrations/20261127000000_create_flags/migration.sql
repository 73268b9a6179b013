-- CreateTable
CREATE TABLE "flags" (
    "id" SERIAL NOT NULL,
    "flag_name" TEXT NOT NULL,
    "status" BOOLEAN NOT NULL DEFAULT false,
    "rollout_bp" INTEGER NOT NULL DEFAULT 10000,
    "description" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "flags_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "flags_flag_name_key" ON "flags"("flag_name");
