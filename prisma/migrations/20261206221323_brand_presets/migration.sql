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

-- CreateIndex
CREATE INDEX "BrandPreset_shop_idx" ON "BrandPreset"("shop");

-- CreateIndex
CREATE UNIQUE INDEX "BrandPreset_shop_name_key" ON "BrandPreset"("shop", "name");
