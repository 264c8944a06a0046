import { useLocation, useNavigation } from "@remix-run/react";
import {
  BlockStack,
  Card,
  Layout,
  SkeletonBodyText,
  SkeletonDisplayText,
  SkeletonPage,
  SkeletonThumbnail,
  InlineStack,
} from "@shopify/polaris";
import type { ReactNode } from "react";

/** The skeleton of the page being opened, in the shape of that page, while its data loads. */
export function PageSkeleton({ pathname }: { pathname: string }) {
  if (/^\/app\/products\/[^/]+$/.test(pathname)) {
    return (
      <SkeletonPage title="Loading product" backAction primaryAction>
        <Layout>
          <Layout.Section>
            <Card>
              <BlockStack gap="300">
                <SkeletonDisplayText size="small" />
                <InlineStack gap="300">
                  {Array.from({ length: 5 }, (_, i) => (
                    <SkeletonThumbnail key={i} size="large" />
                  ))}
                </InlineStack>
                <SkeletonBodyText lines={3} />
              </BlockStack>
            </Card>
          </Layout.Section>
          <Layout.Section>
            <Card>
              <SkeletonBodyText lines={8} />
            </Card>
          </Layout.Section>
        </Layout>
      </SkeletonPage>
    );
  }
  return (
    <SkeletonPage title={pathname === "/app" ? "Products" : undefined} primaryAction>
      <Layout>
        <Layout.Section>
          <Card>
            <SkeletonBodyText lines={10} />
          </Card>
        </Layout.Section>
      </Layout>
    </SkeletonPage>
  );
}

/** Shows the destination's skeleton while a link to another page loads (not for same-page reloads). */
export function NavigationSkeleton({ children }: { children: ReactNode }) {
  const navigation = useNavigation();
  const location = useLocation();
  const target = navigation.state === "loading" && !navigation.formMethod ? navigation.location.pathname : null;
  if (target && target !== location.pathname) {
    return (
      <div aria-busy="true" aria-live="polite">
        <PageSkeleton pathname={target} />
      </div>
    );
  }
  return <>{children}</>;
}
