-- CreateTable
CREATE TABLE "BrandPreset" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shop" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "text" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Candidate" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shop" TEXT NOT NULL,
    "generationId" TEXT NOT NULL,
    "subjectId" TEXT NOT NULL,
    "sceneId" TEXT NOT NULL,
    "sceneKind" TEXT NOT NULL,
    "prompt" TEXT NOT NULL,
    "seed" INTEGER NOT NULL,
    "imageBlobKey" TEXT NOT NULL,
    "mode" TEXT NOT NULL DEFAULT 'tuned',
    "placement" TEXT,
    "sourceImageId" TEXT,
    "thumbBlobKey" TEXT,
    "upscaledBlobKey" TEXT,
    "dino" REAL,
    "clipI" REAL,
    "clipT" REAL,
    "itm" REAL,
    "itc" REAL,
    "selected" BOOLEAN NOT NULL DEFAULT false,
    "state" TEXT NOT NULL DEFAULT 'pending',
    "publishedMediaId" TEXT,
    "publishedAt" DATETIME,
    "removedAt" DATETIME,
    "publishAttemptKey" TEXT,
    "ratingSubject" INTEGER,
    "ratingScene" INTEGER,
    "error" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "Candidate_shop_generationId_fkey" FOREIGN KEY ("shop", "generationId") REFERENCES "Generation" ("shop", "id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "Candidate_shop_subjectId_fkey" FOREIGN KEY ("shop", "subjectId") REFERENCES "Subject" ("shop", "id") ON DELETE CASCADE ON UPDATE CASCADE
);
INSERT INTO "new_Candidate" ("clipI", "clipT", "createdAt", "dino", "error", "generationId", "id", "imageBlobKey", "itc", "itm", "prompt", "publishAttemptKey", "publishedMediaId", "ratingScene", "ratingSubject", "sceneId", "sceneKind", "seed", "selected", "shop", "state", "subjectId", "thumbBlobKey", "updatedAt", "upscaledBlobKey") SELECT "clipI", "clipT", "createdAt", "dino", "error", "generationId", "id", "imageBlobKey", "itc", "itm", "prompt", "publishAttemptKey", "publishedMediaId", "ratingScene", "ratingSubject", "sceneId", "sceneKind", "seed", "selected", "shop", "state", "subjectId", "thumbBlobKey", "updatedAt", "upscaledBlobKey" FROM "Candidate";
DROP TABLE "Candidate";
ALTER TABLE "new_Candidate" RENAME TO "Candidate";
CREATE UNIQUE INDEX "Candidate_publishAttemptKey_key" ON "Candidate"("publishAttemptKey");
CREATE INDEX "Candidate_shop_idx" ON "Candidate"("shop");
CREATE INDEX "Candidate_shop_generationId_idx" ON "Candidate"("shop", "generationId");
CREATE INDEX "Candidate_shop_subjectId_state_idx" ON "Candidate"("shop", "subjectId", "state");
CREATE UNIQUE INDEX "Candidate_shop_publishedMediaId_key" ON "Candidate"("shop", "publishedMediaId");
CREATE TABLE "new_Generation" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shop" TEXT NOT NULL,
    "subjectId" TEXT NOT NULL,
    "tuningRunId" TEXT,
    "scenes" TEXT NOT NULL,
    "imagesPerScene" INTEGER NOT NULL,
    "options" TEXT NOT NULL DEFAULT '{}',
    "status" TEXT NOT NULL DEFAULT 'queued',
    "progress" REAL NOT NULL DEFAULT 0,
    "stage" TEXT,
    "etaAt" DATETIME,
    "source" TEXT NOT NULL DEFAULT 'interactive',
    "lane" TEXT NOT NULL DEFAULT 'tuned',
    "priority" INTEGER NOT NULL DEFAULT 0,
    "jobId" TEXT,
    "bulkRunId" TEXT,
    "readyTriggerAt" DATETIME,
    "cancelRequested" BOOLEAN NOT NULL DEFAULT false,
    "error" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "startedAt" DATETIME,
    "finishedAt" DATETIME,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "Generation_shop_subjectId_fkey" FOREIGN KEY ("shop", "subjectId") REFERENCES "Subject" ("shop", "id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "Generation_shop_tuningRunId_fkey" FOREIGN KEY ("shop", "tuningRunId") REFERENCES "TuningRun" ("shop", "id") ON DELETE NO ACTION ON UPDATE CASCADE
);
INSERT INTO "new_Generation" ("cancelRequested", "createdAt", "error", "etaAt", "finishedAt", "id", "imagesPerScene", "jobId", "options", "priority", "progress", "scenes", "shop", "source", "stage", "startedAt", "status", "subjectId", "tuningRunId", "updatedAt") SELECT "cancelRequested", "createdAt", "error", "etaAt", "finishedAt", "id", "imagesPerScene", "jobId", "options", "priority", "progress", "scenes", "shop", "source", "stage", "startedAt", "status", "subjectId", "tuningRunId", "updatedAt" FROM "Generation";
DROP TABLE "Generation";
ALTER TABLE "new_Generation" RENAME TO "Generation";
CREATE INDEX "Generation_shop_idx" ON "Generation"("shop");
CREATE INDEX "Generation_shop_subjectId_idx" ON "Generation"("shop", "subjectId");
CREATE INDEX "Generation_shop_status_idx" ON "Generation"("shop", "status");
CREATE INDEX "Generation_shop_bulkRunId_idx" ON "Generation"("shop", "bulkRunId");
CREATE UNIQUE INDEX "Generation_shop_id_key" ON "Generation"("shop", "id");
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
    "fastLane" BOOLEAN NOT NULL DEFAULT false,
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

-- CreateIndex
CREATE INDEX "BrandPreset_shop_idx" ON "BrandPreset"("shop");

-- CreateIndex
CREATE UNIQUE INDEX "BrandPreset_shop_name_key" ON "BrandPreset"("shop", "name");
