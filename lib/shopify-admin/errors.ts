export type AdminApiErrorKind =
  "throttled" | "http" | "network" | "timeout" | "graphql" | "max-cost" | "user-errors" | "gave-up";

/** A failed Admin API call, with what the caller needs to decide what to do next. */
export class AdminApiError extends Error {
  override name = "AdminApiError";

  constructor(
    message: string,
    readonly details: {
      kind: AdminApiErrorKind;
      operation: string;
      attempts: number;
      status?: number;
      /** True when a mutation may have run although no answer came back (never retried automatically). */
      maybeExecuted?: boolean;
      errors?: unknown[];
    },
  ) {
    super(message);
  }

  get kind(): AdminApiErrorKind {
    return this.details.kind;
  }
}

export interface UserError {
  field?: readonly string[] | null;
  message: string;
  code?: string | null;
}

/** Throws when a mutation payload carries userErrors. */
export function assertNoUserErrors(operation: string, userErrors: readonly UserError[] | null | undefined): void {
  if (!userErrors?.length) return;
  const text = userErrors
    .map((e) => `${e.field?.length ? `${e.field.join(".")}: ` : ""}${e.message}${e.code ? ` (${e.code})` : ""}`)
    .join("; ");
  throw new AdminApiError(`${operation} was refused: ${text}`, {
    kind: "user-errors",
    operation,
    attempts: 1,
    errors: [...userErrors],
  });
}
