-- AlterTable
ALTER TABLE "Generation" ADD COLUMN     "bulkRunId" TEXT,
ADD COLUMN     "readyTriggerAt" TIMESTAMP(3);

-- CreateIndex
CREATE INDEX "Generation_shop_bulkRunId_idx" ON "Generation"("shop", "bulkRunId");
