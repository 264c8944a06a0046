import { BlockStack, Box, Button, Card, InlineGrid, InlineStack, Text } from "@shopify/polaris";
import { useState } from "react";

const STEPS = [
  {
    title: "1. Open a product",
    text: "Pick one with 5–7 photos from different angles and places (at least 3). SceneBooth checks them first.",
  },
  {
    title: "2. Choose scenes",
    text: "General scenes keep the product most faithful; specific ones follow the description more closely.",
  },
  {
    title: "3. Review and publish",
    text: "Approve the images you like: they are upscaled to 2048 px and added to the product with alt text.",
  },
];

/** First visit: what SceneBooth does, in three steps. */
export function Onboarding() {
  const [hidden, setHidden] = useState(false);
  if (hidden) return null;
  return (
    <Card>
      <BlockStack gap="300">
        <InlineStack align="space-between" blockAlign="center">
          <Text as="h2" variant="headingMd">
            Create your first scene photos
          </Text>
          <Button variant="tertiary" onClick={() => setHidden(true)} accessibilityLabel="Dismiss the introduction">
            Dismiss
          </Button>
        </InlineStack>
        <InlineGrid columns={{ xs: 1, md: 3 }} gap="400">
          {STEPS.map((step) => (
            <Box key={step.title} background="bg-surface-secondary" padding="300" borderRadius="200">
              <BlockStack gap="100">
                <Text as="h3" variant="headingSm">
                  {step.title}
                </Text>
                <Text as="p" tone="subdued">
                  {step.text}
                </Text>
              </BlockStack>
            </Box>
          ))}
        </InlineGrid>
      </BlockStack>
    </Card>
  );
}
