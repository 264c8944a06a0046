-- CreateTable
CREATE TABLE "BrandPreset" (
    "id" TEXT NOT NULL,
    "shop" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "text" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "BrandPreset_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "BrandPreset_shop_idx" ON "BrandPreset"("shop");

-- CreateIndex
CREATE UNIQUE INDEX "BrandPreset_shop_name_key" ON "BrandPreset"("shop", "name");
