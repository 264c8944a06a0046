-- AlterTable
ALTER TABLE "Shop" ADD COLUMN     "capNoticeAt" TIMESTAMP(3),
ADD COLUMN     "capNoticeBalanceUsd" DOUBLE PRECISION,
ADD COLUMN     "capNoticeCappedUsd" DOUBLE PRECISION;
