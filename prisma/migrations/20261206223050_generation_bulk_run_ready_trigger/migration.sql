-- AlterTable
ALTER TABLE "Generation" ADD COLUMN "bulkRunId" TEXT;
ALTER TABLE "Generation" ADD COLUMN "readyTriggerAt" DATETIME;

-- CreateIndex
CREATE INDEX "Generation_shop_bulkRunId_idx" ON "Generation"("shop", "bulkRunId");
