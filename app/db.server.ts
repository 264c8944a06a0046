// The Prisma client of the Shopify app template: the one the session storage uses, shared with
// the rest of the server (one client per process, see lib/db).
//
//   import prisma from "./db.server";
//   sessionStorage: new PrismaSessionStorage(prisma)
//
// It is the generated "prisma-client" client for DATABASE_URL's provider (better-sqlite3 or
// node-postgres adapter). The session storage only calls prisma.session.* on it; the
// "prisma-client-js" generator exists because the storage imports `Prisma` from @prisma/client.

import type { PrismaClient as SessionStoragePrismaClient } from "@prisma/client";

import { db } from "../lib/db";

const prisma = db() as unknown as SessionStoragePrismaClient;

export default prisma;
