import "@shopify/ui-extensions/preact";
import { render } from "preact";
import { GenerateScenes } from "./GenerateScenes";

// admin.product-index.selection-action.render: "Generate scenes" for the products selected in the list.
export default async () => {
  render(<GenerateScenes api={shopify} mode="selection" />, document.body);
};
