import { GraphqlQueryError, HttpResponseError } from "@shopify/shopify-api";
import { describe, expect, it } from "vitest";
import { requirePlan, type PlanBilling } from "./billing.server";

/** The errors the Shopify library throws for a THROTTLED answer and for a GraphQL error. */
const throttled = () =>
  new GraphqlQueryError({
    message: "Throttled",
    response: {},
    body: { errors: { graphQLErrors: [{ message: "Throttled", extensions: { code: "THROTTLED" } }] } },
  });
const accessDenied = () =>
  new GraphqlQueryError({
    message: "Access denied",
    response: {},
    body: { errors: { graphQLErrors: [{ message: "Access denied", extensions: { code: "ACCESS_DENIED" } }] } },
  });

function billingThatFails(errors: Error[]): PlanBilling & { calls: number } {
  const billing = {
    calls: 0,
    async require() {
      billing.calls += 1;
      const error = errors.shift();
      if (error) throw error;
    },
    request: () => Promise.reject(new Error("not expected")),
  };
  return billing;
}

describe("requirePlan", () => {
  it("waits out a throttled plan check (the shop's bucket is shared with the worker and bulk actions)", async () => {
    const billing = billingThatFails([throttled(), throttled()]);
    await expect(requirePlan(billing, { throttledWaitMs: 5_000 })).resolves.toBeUndefined();
    expect(billing.calls).toBe(3);
  });

  it("gives up once the wait is over, and never retries other errors", async () => {
    const stillThrottled = billingThatFails([throttled(), throttled(), throttled(), throttled()]);
    await expect(requirePlan(stillThrottled, { throttledWaitMs: 300 })).rejects.toThrow("Throttled");
    expect(stillThrottled.calls).toBe(2);

    const denied = billingThatFails([accessDenied()]);
    await expect(requirePlan(denied)).rejects.toThrow("Access denied");
    expect(denied.calls).toBe(1);
    const serverError = billingThatFails([
      new HttpResponseError({ message: "Shopify internal error", code: 500, statusText: "Internal Server Error" }),
    ]);
    await expect(requirePlan(serverError)).rejects.toThrow("internal error");
    expect(serverError.calls).toBe(1);
  });
});
