-- AlterTable
ALTER TABLE "Candidate" ADD COLUMN     "publishedAt" TIMESTAMP(3),
ADD COLUMN     "removedAt" TIMESTAMP(3);

-- AlterTable
ALTER TABLE "Shop" ADD COLUMN     "translateAltText" BOOLEAN NOT NULL DEFAULT false;
