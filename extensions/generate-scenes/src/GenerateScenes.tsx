import "@shopify/ui-extensions/preact";
import { useEffect, useState } from "preact/hooks";
import {
  appHref,
  callBackend,
  ExtensionError,
  parsePreview,
  parseResult,
  previewView,
  resultView,
  selectionBody,
  type ActionApi,
  type Mode,
  type Preview,
  type ResultView,
} from "./logic";

type State =
  | { step: "loading" }
  | { step: "preview"; preview: Preview }
  | { step: "submitting"; preview: Preview }
  | { step: "done"; result: ResultView }
  | { step: "error"; message: string };

const messageOf = (error: unknown) =>
  error instanceof ExtensionError ? error.message : "Something went wrong. Try again in a moment.";

/** The modal of both admin actions: preview (photos, scenes, cost), Generate, then the result. */
export function GenerateScenes({ api, mode }: { api: ActionApi; mode: Mode }) {
  const [state, setState] = useState<State>({ step: "loading" });
  const selected = api.data.selected;

  useEffect(() => {
    let body: { productIds: string[] };
    try {
      body = selectionBody(selected);
    } catch (error) {
      setState({ step: "error", message: messageOf(error) });
      return;
    }
    callBackend(fetch, "api/scenes/preview", body, parsePreview).then(
      (preview) => setState({ step: "preview", preview }),
      (error: unknown) => setState({ step: "error", message: messageOf(error) }),
    );
  }, [selected]);

  const generate = async () => {
    if (state.step !== "preview") return;
    setState({ step: "submitting", preview: state.preview });
    try {
      const result = await callBackend(fetch, "api/scenes/generate", selectionBody(api.data.selected), parseResult);
      setState({ step: "done", result: resultView(result) });
    } catch (error) {
      setState({ step: "error", message: messageOf(error) });
    }
  };

  const close = (
    <s-button slot="secondary-actions" onClick={() => api.close()}>
      Close
    </s-button>
  );

  if (state.step === "loading") {
    return (
      <s-admin-action heading="Generate scenes" loading>
        <s-spinner accessibilityLabel="Loading" />
        {close}
      </s-admin-action>
    );
  }
  if (state.step === "error") {
    return (
      <s-admin-action heading="Generate scenes">
        <s-banner tone="critical">{state.message}</s-banner>
        {close}
      </s-admin-action>
    );
  }
  if (state.step === "done") {
    const { result } = state;
    return (
      <s-admin-action heading="Generate scenes">
        <s-stack gap="base">
          <s-banner tone={result.tone}>{result.message}</s-banner>
          {result.details.length > 0 && (
            <s-unordered-list>
              {result.details.map((d) => (
                <s-list-item key={d}>{d}</s-list-item>
              ))}
            </s-unordered-list>
          )}
          <s-link href={result.progressHref}>See progress in SceneBooth</s-link>
        </s-stack>
        <s-button slot="primary-action" variant="primary" href={result.progressHref}>
          Open SceneBooth
        </s-button>
        {close}
      </s-admin-action>
    );
  }

  const view = previewView(state.preview, mode);
  return (
    <s-admin-action heading={view.heading}>
      <s-stack gap="base">
        {view.lines.map((line) => (
          <s-paragraph key={line}>{line}</s-paragraph>
        ))}
        <s-unordered-list>
          {view.scenes.map((scene) => (
            <s-list-item key={scene}>{scene}</s-list-item>
          ))}
        </s-unordered-list>
        {view.notes.length > 0 && (
          <s-banner tone="warning">
            {view.notes.map((note) => (
              <s-paragraph key={note}>{note}</s-paragraph>
            ))}
          </s-banner>
        )}
        {view.blocker && <s-banner tone="info">{view.blocker}</s-banner>}
        <s-link href={appHref(state.preview.progressPath)}>Open in SceneBooth</s-link>
      </s-stack>
      <s-button
        slot="primary-action"
        variant="primary"
        disabled={!view.canGenerate}
        loading={state.step === "submitting"}
        onClick={generate}
      >
        {view.primaryLabel}
      </s-button>
      {close}
    </s-admin-action>
  );
}
