import { BlockStack, Card, Text, TextField } from "@shopify/polaris";
import { generationPrompt, identifierToken, normalizeClassNoun } from "../../lib/prompts";

interface Props {
  value: string;
  suggested: string;
  productType: string;
  onChange(value: string): void;
}

/** What the product is, in plain words, and the identifier the model learns it under. */
export function ClassNounCard({ value, suggested, productType, onChange }: Props) {
  let error: string | undefined;
  let token = "";
  try {
    token = identifierToken(normalizeClassNoun(value));
  } catch (e) {
    error = (e as Error).message;
  }
  return (
    <Card>
      <BlockStack gap="300">
        <Text as="h2" variant="headingMd">
          What is this product?
        </Text>
        <TextField
          label="Class noun"
          value={value}
          onChange={onChange}
          autoComplete="off"
          maxLength={40}
          error={error}
          helpText={
            value.trim() === suggested
              ? `Suggested from ${productType ? `the product type “${productType}”` : "the title"}. One to four plain words, e.g. “sneaker”.`
              : `SceneBooth suggested “${suggested}”. One to four plain words, e.g. “sneaker”.`
          }
        />
        <BlockStack gap="100">
          <Text as="p" variant="bodySm" tone="subdued">
            Identifier the model learns your product under
          </Text>
          <Text as="p" variant="bodyMd" fontWeight="semibold">
            <code>{token || "—"}</code>
          </Text>
          <Text as="p" variant="bodySm" tone="subdued">
            {token ? `Scenes are described as “${generationPrompt(value, "on the beach")}”.` : " "}
          </Text>
        </BlockStack>
      </BlockStack>
    </Card>
  );
}
