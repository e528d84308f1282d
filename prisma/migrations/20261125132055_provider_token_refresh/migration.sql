-- AlterTable
ALTER TABLE "Account" ADD COLUMN     "reconnectReason" TEXT,
ADD COLUMN     "reconnectRequiredAt" TIMESTAMPTZ(3),
ADD COLUMN     "refreshLeaseOwner" TEXT,
ADD COLUMN     "refreshLeaseUntil" TIMESTAMPTZ(3),
ADD COLUMN     "tokenVersion" INTEGER NOT NULL DEFAULT 0;

-- CreateIndex
CREATE UNIQUE INDEX "Account_userId_provider_key" ON "Account"("userId", "provider");
