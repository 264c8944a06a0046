// The app's access scopes as Shopify reports them (what shopify-app-remix's `scopes` API reads), and
// Shopify's ACCESS_DENIED for a field the token's scopes do not cover.
import { GraphQLError } from "graphql";
import type { Ctx } from "../context";

const handles = (scopes: readonly string[]) =>
  scopes.map((handle) => ({ __typename: "AccessScope", handle, description: handle }));

/** `write_x` covers `read_x`, as in Shopify. Calls without a token (the store's own) are not checked. */
export function requireScope(ctx: Ctx, field: string, scope: string): void {
  if (!ctx.access) return;
  if ([scope, scope.replace(/^read_/, "write_")].some((s) => ctx.access!.granted.includes(s))) return;
  throw new GraphQLError(`Access denied for ${field} field. Required access: \`${scope}\` access scope.`, {
    extensions: { code: "ACCESS_DENIED", requiredAccess: `\`${scope}\` access scope.` },
  });
}

export const appScopeQueries = {
  app(args: { id?: string | null }, ctx: Ctx) {
    if (args.id || !ctx.access) throw new GraphQLError("The local store serves `app` for the calling app only.");
    return {
      __typename: "App",
      requestedAccessScopes: handles(ctx.access.required),
      optionalAccessScopes: handles(ctx.access.optional),
      installation: { __typename: "AppInstallation", accessScopes: handles(ctx.access.granted) },
    };
  },
};
