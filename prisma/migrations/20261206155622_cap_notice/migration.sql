-- AlterTable
ALTER TABLE "Shop" ADD COLUMN "capNoticeAt" DATETIME;
ALTER TABLE "Shop" ADD COLUMN "capNoticeBalanceUsd" REAL;
ALTER TABLE "Shop" ADD COLUMN "capNoticeCappedUsd" REAL;
