import { useNavigate, useNavigation, useSearchParams } from "@remix-run/react";
import {
  Badge,
  EmptySearchResult,
  IndexFilters,
  IndexTable,
  Link,
  Text,
  Thumbnail,
  useIndexResourceState,
  useSetIndexFiltersMode,
  type IndexFiltersProps,
} from "@shopify/polaris";
import { ImageIcon } from "@shopify/polaris-icons";
import { useCallback, useEffect, useRef, useState } from "react";
import { studioPath } from "./ids";
import { relativeTime, subjectStateLabel } from "./labels";

export type ProductsTableRow = {
  id: string;
  gid: string;
  title: string;
  productType: string;
  thumbnailUrl: string | null;
  thumbnailAlt: string;
  mediaCount: number;
  state: string;
  lastActivity: string | null;
  waitingForReview: number;
};

interface Props {
  rows: ProductsTableRow[];
  filters: ReadonlyArray<{ id: string; label: string }>;
  filter: string;
  query: string;
  next: string | null;
  previous: string | null;
  now: string;
  generating: boolean;
  onGenerate(productGids: string[]): void;
}

const SEARCH_DEBOUNCE_MS = 300;

export function ProductsTable({ rows, filters, filter, query, next, previous, now, generating, onGenerate }: Props) {
  const navigate = useNavigate();
  const navigation = useNavigation();
  const [searchParams] = useSearchParams();
  const [queryValue, setQueryValue] = useState(query);
  const { mode, setMode } = useSetIndexFiltersMode();
  const { selectedResources, allResourcesSelected, handleSelectionChange, clearSelection } = useIndexResourceState(
    rows,
    {
      resourceIDResolver: (row) => row.gid,
    },
  );
  const timer = useRef<ReturnType<typeof setTimeout>>();

  // A new page or filter is a new selection.
  useEffect(() => clearSelection(), [rows, clearSelection]);

  const go = useCallback(
    (changes: Record<string, string | null>) => {
      const params = new URLSearchParams(searchParams);
      for (const [k, v] of Object.entries(changes)) {
        if (v) params.set(k, v);
        else params.delete(k);
      }
      if (!("after" in changes)) params.delete("after");
      if (!("before" in changes)) params.delete("before");
      navigate(`?${params.toString()}`, { replace: true, preventScrollReset: true });
    },
    [navigate, searchParams],
  );

  const onQueryChange = (value: string) => {
    setQueryValue(value);
    clearTimeout(timer.current);
    timer.current = setTimeout(() => go({ query: value.trim() || null }), SEARCH_DEBOUNCE_MS);
  };

  const tabs: IndexFiltersProps["tabs"] = filters.map((f) => ({
    id: f.id,
    content: f.label,
    onAction: () => go({ filter: f.id === "all" ? null : f.id }),
  }));
  const selectedTab = Math.max(
    0,
    filters.findIndex((f) => f.id === filter),
  );
  const loading = navigation.state === "loading" && navigation.location.pathname === "/app";

  return (
    <>
      <IndexFilters
        queryValue={queryValue}
        queryPlaceholder="Search products"
        onQueryChange={onQueryChange}
        onQueryClear={() => onQueryChange("")}
        tabs={tabs}
        selected={selectedTab}
        onSelect={() => undefined}
        filters={[]}
        appliedFilters={[]}
        onClearAll={() => onQueryChange("")}
        mode={mode}
        setMode={setMode}
        cancelAction={{ onAction: () => onQueryChange("") }}
        canCreateNewView={false}
        loading={loading}
      />
      <IndexTable
        resourceName={{ singular: "product", plural: "products" }}
        itemCount={rows.length}
        selectedItemsCount={allResourcesSelected ? "All" : selectedResources.length}
        onSelectionChange={handleSelectionChange}
        promotedBulkActions={[
          {
            content: generating ? "Starting…" : "Generate scenes",
            disabled: generating,
            onAction: () => onGenerate(selectedResources),
          },
        ]}
        headings={[
          { title: "", id: "thumbnail" },
          { title: "Product" },
          { title: "SceneBooth" },
          { title: "Last activity" },
          { title: "Waiting for review", alignment: "end" },
          { title: "Photos", alignment: "end" },
        ]}
        emptyState={
          <EmptySearchResult title="No products found" description="Try another search or view." withIllustration />
        }
        pagination={
          next || previous
            ? {
                hasNext: Boolean(next),
                hasPrevious: Boolean(previous),
                onNext: () => next && go({ after: next }),
                onPrevious: () => previous && go({ before: previous }),
              }
            : undefined
        }
      >
        {rows.map((row, index) => {
          const state = subjectStateLabel(row.state);
          return (
            <IndexTable.Row id={row.gid} key={row.gid} position={index} selected={selectedResources.includes(row.gid)}>
              <IndexTable.Cell>
                <Thumbnail source={row.thumbnailUrl ?? ImageIcon} alt={row.thumbnailAlt} size="small" />
              </IndexTable.Cell>
              <IndexTable.Cell>
                <Link url={studioPath(row.gid)} monochrome removeUnderline dataPrimaryLink>
                  <Text as="span" variant="bodyMd" fontWeight="semibold">
                    {row.title}
                  </Text>
                </Link>
                {row.productType && (
                  <Text as="p" variant="bodySm" tone="subdued">
                    {row.productType}
                  </Text>
                )}
              </IndexTable.Cell>
              <IndexTable.Cell>
                <Badge tone={state.tone} progress={state.progress}>
                  {state.label}
                </Badge>
              </IndexTable.Cell>
              <IndexTable.Cell>
                <Text as="span" tone="subdued">
                  {relativeTime(row.lastActivity, Date.parse(now))}
                </Text>
              </IndexTable.Cell>
              <IndexTable.Cell>
                <Text as="span" alignment="end" numeric>
                  {row.waitingForReview > 0 ? <Badge tone="attention">{`${row.waitingForReview}`}</Badge> : "—"}
                </Text>
              </IndexTable.Cell>
              <IndexTable.Cell>
                <Text as="span" alignment="end" numeric>
                  {row.mediaCount}
                </Text>
              </IndexTable.Cell>
            </IndexTable.Row>
          );
        })}
      </IndexTable>
    </>
  );
}
