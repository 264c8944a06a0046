-- AlterTable
ALTER TABLE "Candidate" ADD COLUMN     "mode" TEXT NOT NULL DEFAULT 'tuned',
ADD COLUMN     "placement" TEXT,
ADD COLUMN     "publishedAt" TIMESTAMP(3),
ADD COLUMN     "removedAt" TIMESTAMP(3),
ADD COLUMN     "sourceImageId" TEXT;

-- AlterTable
ALTER TABLE "Generation" ADD COLUMN     "bulkRunId" TEXT,
ADD COLUMN     "lane" TEXT NOT NULL DEFAULT 'tuned',
ADD COLUMN     "readyTriggerAt" TIMESTAMP(3);

-- AlterTable
ALTER TABLE "Shop" ADD COLUMN     "fastLane" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "translateAltText" BOOLEAN NOT NULL DEFAULT false;

-- CreateTable
CREATE TABLE "BrandPreset" (
    "id" TEXT NOT NULL,
    "shop" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "text" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "BrandPreset_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "BrandPreset_shop_idx" ON "BrandPreset"("shop");

-- CreateIndex
CREATE UNIQUE INDEX "BrandPreset_shop_name_key" ON "BrandPreset"("shop", "name");

-- CreateIndex
CREATE INDEX "Generation_shop_bulkRunId_idx" ON "Generation"("shop", "bulkRunId");
