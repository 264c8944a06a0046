import "@shopify/ui-extensions/preact";
import { render } from "preact";
import { GenerateScenes } from "./GenerateScenes";

// admin.product-details.action.render: the same action for the product on the page, with its state.
export default async () => {
  render(<GenerateScenes api={shopify} mode="product" />, document.body);
};
