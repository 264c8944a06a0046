// The product's published images, newest first: when each was published, what SceneBooth removed,
// which one is the featured image; remove, make featured, publish again.
import { Badge, BlockStack, Button, ButtonGroup, Card, InlineStack, Text, Thumbnail } from "@shopify/polaris";
import { useFetcher } from "@remix-run/react";
import { candidateStateLabel } from "./labels";
import { useResultToast, type ToastResult } from "./use-toast";

export interface PublishedItem {
  candidateId: string;
  sceneText: string;
  thumbUrl: string;
  state: string;
  publishedAt: string | null;
  removedAt: string | null;
  featured: boolean;
  /** Why the image left the product when that was not SceneBooth's doing. */
  note: string | null;
}

const when = (iso: string | null) =>
  iso
    ? new Date(iso).toLocaleString("en-US", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" }) + " UTC"
    : null;

function HistoryRow({ item, index }: { item: PublishedItem; index: number }) {
  const act = useFetcher<ToastResult>();
  useResultToast(act.data);
  const busy = (intent: string) => act.state !== "idle" && act.formData?.get("intent") === intent;
  const submit = (intent: string) => act.submit({ intent, candidateId: item.candidateId }, { method: "post" });
  const label = candidateStateLabel(item.state);
  const name = `Published image ${index + 1}`;
  const published = when(item.publishedAt);
  const removed = when(item.removedAt);
  return (
    <li aria-label={`${name}: ${item.sceneText}`}>
      <InlineStack gap="300" blockAlign="center" wrap={false}>
        <Thumbnail source={item.thumbUrl} alt={`Published scene: ${item.sceneText}`} size="small" />
        <BlockStack gap="100">
          <InlineStack gap="200" blockAlign="center">
            <Text as="span" fontWeight="semibold">
              {item.sceneText.charAt(0).toUpperCase() + item.sceneText.slice(1)}
            </Text>
            <Badge tone={label.tone}>{label.label}</Badge>
            {item.featured && item.state === "published" && <Badge tone="success">Featured image</Badge>}
          </InlineStack>
          <Text as="p" tone="subdued">
            {[
              published && `Published ${published}`,
              removed && (item.note ? `Found removed ${removed}` : `Removed by SceneBooth ${removed}`),
            ]
              .filter(Boolean)
              .join(" · ") || "Published"}
          </Text>
          {item.note && (
            <Text as="p" tone="caution">
              {item.note}
            </Text>
          )}
        </BlockStack>
        <div style={{ marginLeft: "auto" }}>
          <ButtonGroup>
            {item.state === "published" && !item.featured && (
              <Button
                onClick={() => submit("feature-published")}
                loading={busy("feature-published")}
                accessibilityLabel={`Make ${name} the featured image`}
              >
                Make featured
              </Button>
            )}
            {item.state === "published" && (
              <Button
                tone="critical"
                onClick={() => submit("remove-published")}
                loading={busy("remove-published")}
                accessibilityLabel={`Remove ${name} from the product`}
              >
                Remove
              </Button>
            )}
            {item.state === "removed" && (
              <Button
                onClick={() => submit("republish")}
                loading={busy("republish")}
                accessibilityLabel={`Publish ${name} again`}
              >
                Publish again
              </Button>
            )}
          </ButtonGroup>
        </div>
      </InlineStack>
    </li>
  );
}

export function PublishedHistory({ items }: { items: PublishedItem[] }) {
  if (items.length === 0) return null;
  return (
    <Card>
      <BlockStack gap="300">
        <Text as="h2" variant="headingMd">
          Published by SceneBooth
        </Text>
        <ul style={{ listStyle: "none", margin: 0, padding: 0, display: "grid", gap: "12px" }}>
          {items.map((item, i) => (
            <HistoryRow key={item.candidateId} item={item} index={i} />
          ))}
        </ul>
      </BlockStack>
    </Card>
  );
}
