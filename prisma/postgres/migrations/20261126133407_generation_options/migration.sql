-- AlterTable
ALTER TABLE "Generation" ADD COLUMN     "options" TEXT NOT NULL DEFAULT '{}';
