-- AlterTable
ALTER TABLE "flags" ADD COLUMN     "variants" TEXT;
