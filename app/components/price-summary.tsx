import { BlockStack, Card, Text } from "@shopify/polaris";
import type { StudioPrices } from "../services/prices.server";

interface Props {
  pricing: StudioPrices;
  mediaIds: string[];
  classNoun: string;
  /** Images the request would make, and how many of today's are left. */
  images: number;
  imagesLeftToday: number;
}

const sameSet = (a: string[], b: string[]) => a.length === b.length && a.every((x) => b.includes(x));

/** What Generate and Approve cost, before either is clicked. */
export function PriceSummary({ pricing, mediaIds, classNoun, images, imagesLeftToday }: Props) {
  const { prices, learned, spend } = pricing;
  const reuses = learned !== null && learned.classNoun === classNoun.trim() && sameSet(learned.mediaIds, mediaIds);
  return (
    <Card>
      <BlockStack gap="200">
        <Text as="h2" variant="headingMd">
          Cost
        </Text>
        <Text as="p" variant="bodyMd">
          <span data-testid="generate-price">
            {reuses
              ? "Generate scenes: no charge. SceneBooth already learned this product from these photos."
              : `Generate scenes: ${prices.tunedProduct.label} to teach the model this product.`}
          </span>
        </Text>
        <Text as="p" variant="bodySm" tone="subdued">
          {`${images} image${images === 1 ? "" : "s"} of the ${imagesLeftToday} left today; images themselves are not charged.`}
        </Text>
        <Text as="p" variant="bodyMd">
          <span data-testid="approve-price">{`Approve: ${prices.publishedImage.label} per image, when it is published to your store.`}</span>
        </Text>
        {spend && (
          <Text as="p" variant="bodySm" tone="subdued">
            {`Spent this month: ${spend.spentThisMonth}; ${spend.remaining} left of ${spend.cap}.`}
          </Text>
        )}
      </BlockStack>
    </Card>
  );
}
