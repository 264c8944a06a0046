-- AlterTable
ALTER TABLE "Shop" ADD COLUMN     "allowLowDiversity" BOOLEAN NOT NULL DEFAULT false;
