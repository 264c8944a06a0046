// Install times, so that a late app/uninstalled cannot delete a newer install. Shopify retries a
// failed delivery for hours: a merchant who uninstalls and installs again in between would get the
// old uninstall after the new install. X-Shopify-Triggered-At says when the uninstall happened;
// the Shop row says when the current install began.
import type { PrismaClient } from "../db";
import { isUniqueViolation } from "../webhooks/events";

/**
 * Called after the app gets a new offline token (shopify-app-remix's afterAuth). A new install is
 * a shop without a row or one whose last install ended (uninstalledAt); re-authentications of an
 * installed shop (an expired token exchanged again) keep its install time.
 */
export async function recordInstall(client: PrismaClient, shop: string, now = new Date()): Promise<void> {
  const row = await client.shop.findUnique({ where: { shop }, select: { uninstalledAt: true } });
  if (row && !row.uninstalledAt) return;
  if (row) {
    await client.shop.update({ where: { shop }, data: { installedAt: now, uninstalledAt: null } });
    return;
  }
  try {
    await client.shop.create({ data: { shop, installedAt: now } });
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
  }
}

/** True when the shop installed the app again after this uninstall happened: the uninstall is old news. */
export async function uninstallIsStale(client: PrismaClient, shop: string, triggeredAt: Date): Promise<boolean> {
  const row = await client.shop.findUnique({ where: { shop }, select: { installedAt: true } });
  return Boolean(row && triggeredAt.getTime() < row.installedAt.getTime());
}

/** Marks the install as ended, so that the next token exchange counts as a new install. */
export async function markUninstalled(client: PrismaClient, shop: string, triggeredAt: Date): Promise<void> {
  await client.shop.updateMany({
    where: { shop, installedAt: { lte: triggeredAt } },
    data: { uninstalledAt: triggeredAt },
  });
}

/** X-Shopify-Triggered-At as a date; `fallback` (the arrival time) when it is missing or not a date. */
export function triggeredAtOf(value: string | undefined | null, fallback = new Date()): Date {
  const at = value ? new Date(value) : null;
  return at && !Number.isNaN(at.getTime()) ? at : fallback;
}

/**
 * Whether the app is installed on the shop now: its Shop row has no uninstall after its install
 * (a shop without a row, from before install times were kept, counts while it has a session).
 */
export async function shopIsInstalled(client: PrismaClient, shop: string): Promise<boolean> {
  const row = await client.shop.findUnique({ where: { shop }, select: { uninstalledAt: true } });
  if (row) return row.uninstalledAt === null;
  return (await client.session.count({ where: { shop } })) > 0;
}
