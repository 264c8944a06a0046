import {
  Badge,
  Banner,
  BlockStack,
  Box,
  Card,
  Checkbox,
  InlineGrid,
  InlineStack,
  SkeletonBodyText,
  Spinner,
  Text,
} from "@shopify/polaris";
import type { StudioPhoto } from "../services/studio.server";
import { NO_PHOTOS_ONLY_OTHER_MEDIA } from "../../lib/products";
import { cropOnTile, MODEL_CHECK_PENDING, type PhotoCheckView } from "./photo-check-types";

interface Props {
  photos: StudioPhoto[];
  selected: string[];
  onToggle(mediaId: string, use: boolean): void;
  check: PhotoCheckView | null;
  checking: boolean;
  checkError: string | null;
  allowLowDiversity: boolean;
  onAllowLowDiversity(value: boolean): void;
  publishedCount: number;
  /** The product has media, but only videos or 3D models. */
  onlyOtherMedia?: boolean;
}

const STATUS = {
  ok: { label: "Ready", tone: "success" },
  warning: { label: "Ready, with warnings", tone: "warning" },
  blocked: { label: "Needs your attention", tone: "critical" },
} as const;

const BANNER_TONE = { blocking: "critical", warning: "warning", info: "info" } as const;

function PhotoTile({
  photo,
  use,
  onToggle,
  verdict,
  checking,
  augmented,
}: {
  photo: StudioPhoto;
  use: boolean;
  onToggle(v: boolean): void;
  verdict: PhotoCheckView["photos"][number] | undefined;
  checking: boolean;
  /** The product is cut out of this photo and also learned on generated backgrounds. */
  augmented: boolean;
}) {
  // Once checked, the tile shows the whole photo and the square the model learns from.
  const crop =
    use && !checking && verdict?.crop && photo.width && photo.height
      ? cropOnTile(photo.width, photo.height, verdict.crop)
      : null;
  return (
    <BlockStack gap="150">
      <div className={crop ? "sb-square sb-crop-tile" : "sb-square"}>
        <img src={photo.thumbUrl} alt={photo.alt} width={240} height={240} loading="lazy" />
        {crop && (
          <div
            className="sb-crop"
            aria-hidden
            style={{ left: `${crop.left}%`, top: `${crop.top}%`, width: `${crop.size}%`, height: `${crop.size}%` }}
          />
        )}
      </div>
      <Checkbox label={`Use photo ${photo.label}`} checked={use} onChange={onToggle} />
      <Text as="p" variant="bodySm" tone="subdued">
        {photo.width && photo.height ? `${photo.width}×${photo.height} px` : "Size unknown"}
        {crop &&
          (crop.padded
            ? " · Training crop (outlined) padded with the backdrop to keep the whole product"
            : " · Training crop outlined")}
        {crop && augmented && " · Also learned cut out, on generated backgrounds"}
      </Text>
      <div className="sb-verdict">
        {!use ? (
          <Text as="p" variant="bodySm" tone="subdued">
            Not picked
          </Text>
        ) : checking || !verdict ? (
          <SkeletonBodyText lines={1} />
        ) : verdict.use ? (
          <Badge tone="success">{`Used · rank ${verdict.rank}`}</Badge>
        ) : (
          <BlockStack gap="050">
            <span>
              <Badge tone="warning">Not used</Badge>
            </span>
            <Text as="p" variant="bodySm">
              {verdict.reason}
            </Text>
          </BlockStack>
        )}
      </div>
    </BlockStack>
  );
}

/** The product's photos, which ones to learn from, and the dataset check (DESIGN §1's "candle" lesson). */
export function PhotoCheckCard({
  photos,
  selected,
  onToggle,
  check,
  checking,
  checkError,
  allowLowDiversity,
  onAllowLowDiversity,
  publishedCount,
  onlyOtherMedia = false,
}: Props) {
  const verdicts = new Map(check?.photos.map((p) => [p.mediaId, p]));
  const augmented = new Set(check?.issues.find((i) => i.code === "background_augmented")?.mediaIds);
  const diversity = check?.backgroundDiversity;
  return (
    <Card>
      <BlockStack gap="400">
        <InlineStack align="space-between" blockAlign="center" gap="200">
          <Text as="h2" variant="headingMd">
            Photos and photo check
          </Text>
          {checking || !check ? (
            <Badge>{checking ? "Checking…" : "Not checked"}</Badge>
          ) : (
            <Badge tone={STATUS[check.status].tone}>{STATUS[check.status].label}</Badge>
          )}
        </InlineStack>
        <Text as="p" tone="subdued">
          {selected.length} of {photos.length} photo{photos.length === 1 ? "" : "s"} picked. SceneBooth learns your
          product from them: 5–7 photos from different angles and places work best, at least 3 are needed.
          {publishedCount > 0 &&
            ` The ${publishedCount} scene image${publishedCount === 1 ? "" : "s"} SceneBooth published are never used for learning.`}
        </Text>
        {photos.length === 0 ? (
          <Banner tone="warning" title="This product has no photos yet">
            <p>
              {onlyOtherMedia
                ? NO_PHOTOS_ONLY_OTHER_MEDIA
                : "Add 5–7 photos of the product in Shopify (at least 3), then come back."}
            </p>
          </Banner>
        ) : (
          <InlineGrid columns={{ xs: 2, sm: 3 }} gap="300">
            {photos.map((photo) => (
              <PhotoTile
                key={photo.mediaId}
                photo={photo}
                use={selected.includes(photo.mediaId)}
                onToggle={(v) => onToggle(photo.mediaId, v)}
                verdict={verdicts.get(photo.mediaId)}
                checking={checking}
                augmented={augmented.has(photo.mediaId)}
              />
            ))}
          </InlineGrid>
        )}
        {checkError && (
          <Banner tone="critical" title="The photos could not be checked">
            <p>{checkError} Try again in a moment; if it keeps failing, contact support.</p>
          </Banner>
        )}
        {check?.modelCheck === "pending" && !checking && (
          <InlineStack gap="200" blockAlign="center">
            <Spinner size="small" accessibilityLabel="Checking" />
            <Text as="p">{MODEL_CHECK_PENDING}</Text>
          </InlineStack>
        )}
        {check && !checking && (
          <BlockStack gap="300">
            <Box background="bg-surface-secondary" padding="300" borderRadius="200">
              <BlockStack gap="100">
                <Text as="h3" variant="headingSm">
                  Background diversity:{" "}
                  {diversity?.low
                    ? augmented.size > 0
                      ? "one backdrop, augmented automatically"
                      : "too similar"
                    : diversity?.medianDeltaE === null
                      ? "not enough photos to tell"
                      : "varied"}
                </Text>
                <Text as="p" variant="bodySm" tone="subdued">
                  {diversity?.medianDeltaE === null || diversity === undefined
                    ? "Needs at least two usable photos."
                    : `Typical colour difference between the photos' backgrounds: ${diversity.medianDeltaE.toFixed(1)} ΔE (below ${diversity.threshold} counts as the same background).`}{" "}
                  The model learns the product together with what surrounds it: if every photo has the same background,
                  the new scenes keep that background whatever you pick, while the scores still look good.
                </Text>
              </BlockStack>
            </Box>
            {check.issues.map((issue, i) => (
              <Banner key={`${issue.code}-${i}`} tone={BANNER_TONE[issue.severity]}>
                <BlockStack gap="200">
                  <p>{issue.message}</p>
                  {issue.mediaIds.length > 0 && issue.mediaIds.length < check.mediaIds.length && (
                    <Text as="p" variant="bodySm">
                      {`Photo${issue.mediaIds.length === 1 ? "" : "s"}: ${issue.mediaIds.map((id) => photos.find((p) => p.mediaId === id)?.label ?? "removed photo").join(", ")}`}
                    </Text>
                  )}
                  {issue.code === "low_background_diversity" && (
                    <Checkbox
                      label="Continue anyway: I understand the scenes may keep this background"
                      checked={allowLowDiversity}
                      onChange={onAllowLowDiversity}
                    />
                  )}
                </BlockStack>
              </Banner>
            ))}
            <Text as="p" variant="bodySm" tone="subdued">
              {check.source === "last-request"
                ? "From your last request; the same check runs again when you start."
                : check.modelCheck === "pending"
                  ? "Checked by the photos' borders so far; this updates when the segmentation model has answered. You can start meanwhile: the check runs again when you start."
                  : "Checked just now, before any GPU time is spent."}
            </Text>
          </BlockStack>
        )}
      </BlockStack>
    </Card>
  );
}
