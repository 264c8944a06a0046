-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
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
    "priority" INTEGER NOT NULL DEFAULT 0,
    "jobId" TEXT,
    "cancelRequested" BOOLEAN NOT NULL DEFAULT false,
    "error" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "startedAt" DATETIME,
    "finishedAt" DATETIME,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "Generation_shop_subjectId_fkey" FOREIGN KEY ("shop", "subjectId") REFERENCES "Subject" ("shop", "id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "Generation_shop_tuningRunId_fkey" FOREIGN KEY ("shop", "tuningRunId") REFERENCES "TuningRun" ("shop", "id") ON DELETE NO ACTION ON UPDATE CASCADE
);
INSERT INTO "new_Generation" ("cancelRequested", "createdAt", "error", "etaAt", "finishedAt", "id", "imagesPerScene", "jobId", "priority", "progress", "scenes", "shop", "source", "stage", "startedAt", "status", "subjectId", "tuningRunId", "updatedAt") SELECT "cancelRequested", "createdAt", "error", "etaAt", "finishedAt", "id", "imagesPerScene", "jobId", "priority", "progress", "scenes", "shop", "source", "stage", "startedAt", "status", "subjectId", "tuningRunId", "updatedAt" FROM "Generation";
DROP TABLE "Generation";
ALTER TABLE "new_Generation" RENAME TO "Generation";
CREATE INDEX "Generation_shop_idx" ON "Generation"("shop");
CREATE INDEX "Generation_shop_subjectId_idx" ON "Generation"("shop", "subjectId");
CREATE INDEX "Generation_shop_status_idx" ON "Generation"("shop", "status");
CREATE UNIQUE INDEX "Generation_shop_id_key" ON "Generation"("shop", "id");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;
