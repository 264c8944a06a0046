-- AlterTable
ALTER TABLE "Candidate" ADD COLUMN     "mode" TEXT NOT NULL DEFAULT 'tuned',
ADD COLUMN     "placement" TEXT,
ADD COLUMN     "sourceImageId" TEXT;

-- AlterTable
ALTER TABLE "Generation" ADD COLUMN     "lane" TEXT NOT NULL DEFAULT 'tuned';

-- AlterTable
ALTER TABLE "Shop" ADD COLUMN     "fastLane" BOOLEAN NOT NULL DEFAULT false;
