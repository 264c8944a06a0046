-- AlterTable
ALTER TABLE "Candidate" ADD COLUMN "publishedAt" DATETIME;
ALTER TABLE "Candidate" ADD COLUMN "removedAt" DATETIME;

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Shop" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shop" TEXT NOT NULL,
    "autoGenerate" BOOLEAN NOT NULL DEFAULT false,
    "defaultSceneIds" TEXT NOT NULL DEFAULT '[]',
    "imagesPerScene" INTEGER NOT NULL DEFAULT 4,
    "itmThreshold" REAL NOT NULL DEFAULT 0.9,
    "fidelityFloorDino" REAL,
    "fidelityFloorClipI" REAL,
    "autoPublish" BOOLEAN NOT NULL DEFAULT false,
    "monthlyCapUsd" REAL,
    "installedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "uninstalledAt" DATETIME,
    "capNoticeAt" DATETIME,
    "capNoticeCappedUsd" REAL,
    "capNoticeBalanceUsd" REAL,
    "allowLowDiversity" BOOLEAN NOT NULL DEFAULT false,
    "translateAltText" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);
INSERT INTO "new_Shop" ("allowLowDiversity", "autoGenerate", "autoPublish", "capNoticeAt", "capNoticeBalanceUsd", "capNoticeCappedUsd", "createdAt", "defaultSceneIds", "fidelityFloorClipI", "fidelityFloorDino", "id", "imagesPerScene", "installedAt", "itmThreshold", "monthlyCapUsd", "shop", "uninstalledAt", "updatedAt") SELECT "allowLowDiversity", "autoGenerate", "autoPublish", "capNoticeAt", "capNoticeBalanceUsd", "capNoticeCappedUsd", "createdAt", "defaultSceneIds", "fidelityFloorClipI", "fidelityFloorDino", "id", "imagesPerScene", "installedAt", "itmThreshold", "monthlyCapUsd", "shop", "uninstalledAt", "updatedAt" FROM "Shop";
DROP TABLE "Shop";
ALTER TABLE "new_Shop" RENAME TO "Shop";
CREATE UNIQUE INDEX "Shop_shop_key" ON "Shop"("shop");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;
