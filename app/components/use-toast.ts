import { useAppBridge } from "@shopify/app-bridge-react";
import { useEffect } from "react";

export type ToastResult = { ok: true; message: string } | { ok: false; error: string } | null | undefined;

/** Shows an action's outcome as an App Bridge toast (errors as error toasts), once per result. */
export function useResultToast(result: ToastResult): void {
  const shopify = useAppBridge();
  useEffect(() => {
    if (!result) return;
    if (result.ok) shopify.toast.show(result.message);
    else shopify.toast.show(result.error, { isError: true });
  }, [result, shopify]);
}
