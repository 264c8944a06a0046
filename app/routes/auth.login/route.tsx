import { useState } from "react";
import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import {
  AppProvider as PolarisAppProvider,
  BlockStack,
  Button,
  Card,
  FormLayout,
  Link,
  Page,
  Text,
  TextField,
} from "@shopify/polaris";
import polarisTranslations from "@shopify/polaris/locales/en.json";
import polarisStyles from "@shopify/polaris/build/esm/styles.css?url";
import { login } from "../../shopify.server";
import { loginPageAction, loginPageLoader } from "./login-page.server";

export const links = () => [{ rel: "stylesheet", href: polarisStyles }];

export const loader = async ({ request }: LoaderFunctionArgs) => {
  return { ...(await loginPageLoader(request, login)), polarisTranslations };
};

export const action = async ({ request }: ActionFunctionArgs) => {
  return loginPageAction(request, login);
};

export default function Auth() {
  const loaderData = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const [shop, setShop] = useState("");
  const { errors } = actionData || loaderData;

  if (!loaderData.form) {
    return (
      <PolarisAppProvider i18n={loaderData.polarisTranslations}>
        <Page>
          <Card>
            <BlockStack gap="200">
              <Text variant="headingMd" as="h2">
                Open SceneBooth from your Shopify admin
              </Text>
              <Text as="p">
                Install SceneBooth from the Shopify App Store, then open it from Apps in your{" "}
                <Link url="https://admin.shopify.com">Shopify admin</Link>.
              </Text>
            </BlockStack>
          </Card>
        </Page>
      </PolarisAppProvider>
    );
  }

  return (
    <PolarisAppProvider i18n={loaderData.polarisTranslations}>
      <Page>
        <Card>
          <Form method="post">
            <FormLayout>
              <Text variant="headingMd" as="h2">
                Log in to SceneBooth
              </Text>
              <TextField
                type="text"
                name="shop"
                label="Shop domain"
                helpText="example.myshopify.com"
                value={shop}
                onChange={setShop}
                autoComplete="on"
                error={errors.shop}
              />
              <Button submit>Log in</Button>
            </FormLayout>
          </Form>
        </Card>
      </Page>
    </PolarisAppProvider>
  );
}
