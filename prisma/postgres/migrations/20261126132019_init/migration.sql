-- CreateTable
CREATE TABLE "Session" (
    "id" TEXT NOT NULL,
    "shop" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "isOnline" BOOLEAN NOT NULL DEFAULT false,
    "scope" TEXT,
    "expires" TIMESTAMP(3),
    "accessToken" TEXT NOT NULL,
    "userId" BIGINT,
    "firstName" TEXT,
    "lastName" TEXT,
    "email" TEXT,
    "accountOwner" BOOLEAN,
    "locale" TEXT,
    "collaborator" BOOLEAN,
    "emailVerified" BOOLEAN,
    "refreshToken" TEXT,
    "refreshTokenExpires" TIMESTAMP(3),

    CONSTRAINT "Session_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Shop" (
    "id" TEXT NOT NULL,
    "shop" TEXT NOT NULL,
    "autoGenerate" BOOLEAN NOT NULL DEFAULT false,
    "defaultSceneIds" TEXT NOT NULL DEFAULT '[]',
    "imagesPerScene" INTEGER NOT NULL DEFAULT 4,
    "itmThreshold" DOUBLE PRECISION NOT NULL DEFAULT 0.9,
    "fidelityFloorDino" DOUBLE PRECISION,
    "fidelityFloorClipI" DOUBLE PRECISION,
    "autoPublish" BOOLEAN NOT NULL DEFAULT false,
    "monthlyCapUsd" DOUBLE PRECISION,
    "installedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "uninstalledAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Shop_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Subject" (
    "id" TEXT NOT NULL,
    "shop" TEXT NOT NULL,
    "productId" TEXT NOT NULL,
    "productTitle" TEXT NOT NULL,
    "classNoun" TEXT NOT NULL,
    "identifierToken" TEXT NOT NULL,
    "state" TEXT NOT NULL DEFAULT 'not_started',
    "datasetReport" TEXT,
    "lastError" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Subject_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "TrainingImage" (
    "id" TEXT NOT NULL,
    "shop" TEXT NOT NULL,
    "subjectId" TEXT NOT NULL,
    "sourceMediaId" TEXT NOT NULL,
    "originalBlobKey" TEXT NOT NULL,
    "preparedBlobKey" TEXT,
    "width" INTEGER,
    "height" INTEGER,
    "cropX" INTEGER,
    "cropY" INTEGER,
    "cropWidth" INTEGER,
    "cropHeight" INTEGER,
    "excluded" BOOLEAN NOT NULL DEFAULT false,
    "excludedReason" TEXT,
    "rank" INTEGER NOT NULL DEFAULT 0,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "TrainingImage_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "TuningRun" (
    "id" TEXT NOT NULL,
    "shop" TEXT NOT NULL,
    "subjectId" TEXT NOT NULL,
    "profile" TEXT NOT NULL,
    "mode" TEXT NOT NULL,
    "settingsHash" TEXT NOT NULL,
    "steps" INTEGER NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'queued',
    "gpuSeconds" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "adapterBlobKey" TEXT,
    "progress" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "error" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "startedAt" TIMESTAMP(3),
    "finishedAt" TIMESTAMP(3),
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "TuningRun_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Generation" (
    "id" TEXT NOT NULL,
    "shop" TEXT NOT NULL,
    "subjectId" TEXT NOT NULL,
    "tuningRunId" TEXT,
    "scenes" TEXT NOT NULL,
    "imagesPerScene" INTEGER NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'queued',
    "progress" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "stage" TEXT,
    "etaAt" TIMESTAMP(3),
    "source" TEXT NOT NULL DEFAULT 'interactive',
    "priority" INTEGER NOT NULL DEFAULT 0,
    "jobId" TEXT,
    "cancelRequested" BOOLEAN NOT NULL DEFAULT false,
    "error" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "startedAt" TIMESTAMP(3),
    "finishedAt" TIMESTAMP(3),
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Generation_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Candidate" (
    "id" TEXT NOT NULL,
    "shop" TEXT NOT NULL,
    "generationId" TEXT NOT NULL,
    "subjectId" TEXT NOT NULL,
    "sceneId" TEXT NOT NULL,
    "sceneKind" TEXT NOT NULL,
    "prompt" TEXT NOT NULL,
    "seed" INTEGER NOT NULL,
    "imageBlobKey" TEXT NOT NULL,
    "thumbBlobKey" TEXT,
    "upscaledBlobKey" TEXT,
    "dino" DOUBLE PRECISION,
    "clipI" DOUBLE PRECISION,
    "clipT" DOUBLE PRECISION,
    "itm" DOUBLE PRECISION,
    "itc" DOUBLE PRECISION,
    "selected" BOOLEAN NOT NULL DEFAULT false,
    "state" TEXT NOT NULL DEFAULT 'pending',
    "publishedMediaId" TEXT,
    "publishAttemptKey" TEXT,
    "ratingSubject" INTEGER,
    "ratingScene" INTEGER,
    "error" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Candidate_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "WebhookEvent" (
    "id" TEXT NOT NULL,
    "shop" TEXT NOT NULL,
    "eventId" TEXT NOT NULL,
    "topic" TEXT NOT NULL,
    "receivedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "processedAt" TIMESTAMP(3),

    CONSTRAINT "WebhookEvent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "UsageRecord" (
    "id" TEXT NOT NULL,
    "shop" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "quantity" DOUBLE PRECISION NOT NULL,
    "idempotencyKey" TEXT NOT NULL,
    "amountUsd" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "UsageRecord_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Session_shop_idx" ON "Session"("shop");

-- CreateIndex
CREATE UNIQUE INDEX "Shop_shop_key" ON "Shop"("shop");

-- CreateIndex
CREATE INDEX "Subject_shop_idx" ON "Subject"("shop");

-- CreateIndex
CREATE INDEX "Subject_shop_state_idx" ON "Subject"("shop", "state");

-- CreateIndex
CREATE UNIQUE INDEX "Subject_shop_productId_key" ON "Subject"("shop", "productId");

-- CreateIndex
CREATE UNIQUE INDEX "Subject_shop_id_key" ON "Subject"("shop", "id");

-- CreateIndex
CREATE INDEX "TrainingImage_shop_idx" ON "TrainingImage"("shop");

-- CreateIndex
CREATE INDEX "TrainingImage_shop_subjectId_idx" ON "TrainingImage"("shop", "subjectId");

-- CreateIndex
CREATE UNIQUE INDEX "TrainingImage_shop_subjectId_sourceMediaId_key" ON "TrainingImage"("shop", "subjectId", "sourceMediaId");

-- CreateIndex
CREATE INDEX "TuningRun_shop_idx" ON "TuningRun"("shop");

-- CreateIndex
CREATE INDEX "TuningRun_shop_subjectId_settingsHash_idx" ON "TuningRun"("shop", "subjectId", "settingsHash");

-- CreateIndex
CREATE UNIQUE INDEX "TuningRun_shop_id_key" ON "TuningRun"("shop", "id");

-- CreateIndex
CREATE INDEX "Generation_shop_idx" ON "Generation"("shop");

-- CreateIndex
CREATE INDEX "Generation_shop_subjectId_idx" ON "Generation"("shop", "subjectId");

-- CreateIndex
CREATE INDEX "Generation_shop_status_idx" ON "Generation"("shop", "status");

-- CreateIndex
CREATE UNIQUE INDEX "Generation_shop_id_key" ON "Generation"("shop", "id");

-- CreateIndex
CREATE UNIQUE INDEX "Candidate_publishAttemptKey_key" ON "Candidate"("publishAttemptKey");

-- CreateIndex
CREATE INDEX "Candidate_shop_idx" ON "Candidate"("shop");

-- CreateIndex
CREATE INDEX "Candidate_shop_generationId_idx" ON "Candidate"("shop", "generationId");

-- CreateIndex
CREATE INDEX "Candidate_shop_subjectId_state_idx" ON "Candidate"("shop", "subjectId", "state");

-- CreateIndex
CREATE UNIQUE INDEX "Candidate_shop_publishedMediaId_key" ON "Candidate"("shop", "publishedMediaId");

-- CreateIndex
CREATE INDEX "WebhookEvent_shop_idx" ON "WebhookEvent"("shop");

-- CreateIndex
CREATE UNIQUE INDEX "WebhookEvent_shop_eventId_key" ON "WebhookEvent"("shop", "eventId");

-- CreateIndex
CREATE UNIQUE INDEX "UsageRecord_idempotencyKey_key" ON "UsageRecord"("idempotencyKey");

-- CreateIndex
CREATE INDEX "UsageRecord_shop_idx" ON "UsageRecord"("shop");

-- CreateIndex
CREATE INDEX "UsageRecord_shop_createdAt_idx" ON "UsageRecord"("shop", "createdAt");

-- AddForeignKey
ALTER TABLE "TrainingImage" ADD CONSTRAINT "TrainingImage_shop_subjectId_fkey" FOREIGN KEY ("shop", "subjectId") REFERENCES "Subject"("shop", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TuningRun" ADD CONSTRAINT "TuningRun_shop_subjectId_fkey" FOREIGN KEY ("shop", "subjectId") REFERENCES "Subject"("shop", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Generation" ADD CONSTRAINT "Generation_shop_subjectId_fkey" FOREIGN KEY ("shop", "subjectId") REFERENCES "Subject"("shop", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Generation" ADD CONSTRAINT "Generation_shop_tuningRunId_fkey" FOREIGN KEY ("shop", "tuningRunId") REFERENCES "TuningRun"("shop", "id") ON DELETE NO ACTION ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Candidate" ADD CONSTRAINT "Candidate_shop_generationId_fkey" FOREIGN KEY ("shop", "generationId") REFERENCES "Generation"("shop", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Candidate" ADD CONSTRAINT "Candidate_shop_subjectId_fkey" FOREIGN KEY ("shop", "subjectId") REFERENCES "Subject"("shop", "id") ON DELETE CASCADE ON UPDATE CASCADE;
