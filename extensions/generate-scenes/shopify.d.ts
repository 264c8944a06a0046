// The `shopify` global of each target module (as `shopify app generate extension` writes it).
import "@shopify/ui-extensions";

//@ts-ignore
declare module "./src/SelectionAction.tsx" {
  const shopify: import("@shopify/ui-extensions/admin.product-index.selection-action.render").Api;
  const globalThis: { shopify: typeof shopify };
}

//@ts-ignore
declare module "./src/ProductAction.tsx" {
  const shopify: import("@shopify/ui-extensions/admin.product-details.action.render").Api;
  const globalThis: { shopify: typeof shopify };
}
