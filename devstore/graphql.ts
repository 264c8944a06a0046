import {
  execute,
  getOperationAST,
  getVariableValues,
  GraphQLError,
  Kind,
  NoDeprecatedCustomRule,
  parse,
  validate,
  type DocumentNode,
  type ExecutionResult,
  type FragmentDefinitionNode,
  type GraphQLFieldResolver,
  type GraphQLTypeResolver,
} from "graphql";
import { DEPRECATION_REASON } from "./api-versions";
import { queryCost } from "./cost";
import { notImplemented } from "./store";
import type { Ctx } from "./context";
import type { LeakyBucket, ThrottleStatus } from "./throttle";
import { productMutations, productQueries } from "./resolvers/products";
import { mediaMutations, mediaQueries } from "./resolvers/media";
import { nodeQueries } from "./resolvers/nodes";
import { bulkMutations, bulkQueries, setBulkRunner } from "./resolvers/bulk";
import { stagedUploadMutations } from "./staged-uploads";
import { billingMutations, billingQueries } from "./resolvers/billing";
import { mediaOrderMutations, mediaOrderQueries } from "./resolvers/media-order";
import { appScopeQueries } from "./resolvers/app-scopes";
import { translationMutations, translationQueries } from "./resolvers/translations";
import { flowMutations } from "./resolvers/flow";

/** Shopify refuses any single query whose requested cost is above this. */
export const MAX_QUERY_COST = 1000;

const queryRoot: Record<string, unknown> = {
  ...productQueries,
  ...mediaQueries,
  ...nodeQueries,
  ...bulkQueries,
  ...billingQueries,
  ...mediaOrderQueries,
  ...translationQueries,
  ...appScopeQueries,
};
const mutationRoot: Record<string, unknown> = {
  ...productMutations,
  ...mediaMutations,
  ...stagedUploadMutations,
  ...bulkMutations,
  ...billingMutations,
  ...mediaOrderMutations,
  ...translationMutations,
  ...flowMutations,
};

/** Reads model fields; a field the stand-in has no value for is a clear error, not a silent null. */
const fieldResolver: GraphQLFieldResolver<unknown, Ctx> = (source, args, ctx, info) => {
  if (source && typeof source === "object" && info.fieldName in source) {
    const value = (source as Record<string, unknown>)[info.fieldName];
    return typeof value === "function" ? value.call(source, args, ctx, info) : value;
  }
  throw notImplemented(`${info.parentType.name}.${info.fieldName}`);
};

const typeResolver: GraphQLTypeResolver<unknown, Ctx> = (value) => (value as { __typename?: string }).__typename;

export interface GraphqlRequest {
  query?: unknown;
  variables?: unknown;
  operationName?: unknown;
}

export interface GraphqlResponse {
  status: number;
  body: Record<string, unknown>;
  headers?: Record<string, string>;
}

/** graphql-js validation messages rewritten in the words Shopify's server (graphql-ruby) uses, with its codes. */
function shopifyValidationError(e: GraphQLError): Record<string, unknown> {
  const locations = e.locations;
  let m = /^Cannot query field "(\w+)" on type "(\w+)"\./.exec(e.message);
  if (m)
    return {
      message: `Field '${m[1]}' doesn't exist on type '${m[2]}'`,
      locations,
      extensions: { code: "undefinedField", typeName: m[2], fieldName: m[1] },
    };
  m = /^Unknown argument "(\w+)" on field "(\w+)\.(\w+)"\./.exec(e.message);
  if (m)
    return {
      message: `Field '${m[3]}' doesn't accept argument '${m[1]}'`,
      locations,
      extensions: { code: "argumentNotAccepted", name: m[3], typeName: "Field", argumentName: m[1] },
    };
  m = /^Field "(?:\w+\.)?(\w+)" argument "(\w+)" of type "(.+)" is required, but it was not provided\./.exec(e.message);
  if (m)
    return {
      message: `Field '${m[1]}' is missing required arguments: ${m[2]}`,
      locations,
      extensions: { code: "missingRequiredArguments", className: "Field", name: m[1], arguments: m[2] },
    };
  m = /^Unknown type "(\w+)"\./.exec(e.message);
  if (m)
    return {
      message: `No such type ${m[1]}, so it can't be a fragment condition`,
      locations,
      extensions: { code: "undefinedType", typeName: m[1] },
    };
  return { message: e.message, locations, extensions: { code: "GRAPHQL_VALIDATION_FAILED" } };
}

function costExtension(requested: number | null, actual: number | null, status: ThrottleStatus) {
  return { cost: { requestedQueryCost: requested, actualQueryCost: actual, throttleStatus: status } };
}

function fragmentsOf(document: DocumentNode): Record<string, FragmentDefinitionNode> {
  const out: Record<string, FragmentDefinitionNode> = {};
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) out[d.name.value] = d;
  return out;
}

function formatErrors(errors: readonly GraphQLError[]) {
  return errors.map((e) => {
    const json = { ...e.toJSON() } as Record<string, unknown>;
    if (!e.extensions?.code)
      json.extensions = { ...(e.extensions ?? {}), code: e.originalError ? "INTERNAL_SERVER_ERROR" : "BAD_REQUEST" };
    return json;
  });
}

async function run(
  ctx: Ctx,
  document: DocumentNode,
  variables?: Record<string, unknown>,
  operationName?: string,
): Promise<ExecutionResult> {
  return execute({
    schema: ctx.schema,
    document,
    rootValue: undefined,
    contextValue: ctx,
    variableValues: variables,
    operationName,
    fieldResolver: (source, args, c, info) => {
      if (info.parentType === info.schema.getQueryType() || info.parentType === info.schema.getMutationType()) {
        const root = info.operation.operation === "mutation" ? mutationRoot : queryRoot;
        const fn = root[info.fieldName];
        if (typeof fn !== "function") throw notImplemented(`${info.parentType.name}.${info.fieldName}`);
        return fn(args, c, info);
      }
      return fieldResolver(source, args, c, info);
    },
    typeResolver,
  });
}

setBulkRunner((ctx, document) => run(ctx, document));

/**
 * One Admin API GraphQL request, the way Shopify answers it: syntax and schema validation first
 * (HTTP 200 with errors), then the calculated cost against the single-query limit and the shop's
 * bucket (THROTTLED when it is short), then execution; `extensions.cost` on every answer.
 */
export async function handleGraphql(ctx: Ctx, bucket: LeakyBucket, request: GraphqlRequest): Promise<GraphqlResponse> {
  ctx.store.stats.graphqlRequests += 1;
  ctx.store.requestsByShop.set(ctx.shop.domain, (ctx.store.requestsByShop.get(ctx.shop.domain) ?? 0) + 1);
  if (typeof request.query !== "string" || !request.query.trim()) {
    return { status: 400, body: { errors: { query: "Required parameter missing or invalid" } } };
  }
  const schema = ctx.schema;
  const headers: Record<string, string> = {};
  const ok = (body: Record<string, unknown>) => ({ status: 200, body, headers });
  let document: DocumentNode;
  try {
    document = parse(request.query);
  } catch (err) {
    const e = err as GraphQLError;
    return ok({
      errors: [{ message: e.message, locations: e.locations, extensions: { code: "syntaxError" } }],
      extensions: costExtension(0, 0, bucket.status()),
    });
  }
  const validation = validate(schema, document);
  if (validation.length) {
    return ok({ errors: validation.map(shopifyValidationError), extensions: costExtension(0, 0, bucket.status()) });
  }
  const operationName = typeof request.operationName === "string" ? request.operationName : undefined;
  const operation = getOperationAST(document, operationName);
  if (!operation) {
    return ok({
      errors: [
        {
          message: operationName
            ? `No operation named "${operationName}"`
            : "An operation name is required when the document has several operations",
          extensions: { code: "BAD_REQUEST" },
        },
      ],
      extensions: costExtension(0, 0, bucket.status()),
    });
  }
  const rawVariables =
    request.variables && typeof request.variables === "object" ? (request.variables as Record<string, unknown>) : {};
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], rawVariables);
  if (coerced.errors) {
    return ok({
      errors: coerced.errors.map((e) => ({
        message: e.message,
        locations: e.locations,
        extensions: { code: "INVALID_VARIABLE" },
      })),
      extensions: costExtension(0, 0, bucket.status()),
    });
  }
  const costInput = { schema, operation, fragments: fragmentsOf(document), variables: coerced.coerced };
  const requested = queryCost(costInput);
  if (requested > MAX_QUERY_COST) {
    return ok({
      errors: [
        {
          message: `Query cost is ${requested}, which exceeds the single query max cost limit (${MAX_QUERY_COST}).`,
          extensions: { code: "MAX_COST_EXCEEDED", cost: requested, maxCost: MAX_QUERY_COST },
        },
      ],
      extensions: costExtension(requested, null, bucket.status()),
    });
  }
  if (!bucket.take(requested)) {
    ctx.store.stats.throttled += 1;
    return ok({
      errors: [
        {
          message: "Throttled",
          extensions: { code: "THROTTLED", documentation: "https://shopify.dev/api/usage/rate-limits" },
        },
      ],
      extensions: costExtension(requested, null, bucket.status()),
    });
  }
  // Shopify flags a request that uses a deprecated field, argument or enum value with this header
  // (checked after the bucket, so that it does not delay the throttle decision).
  if (validate(schema, document, [NoDeprecatedCustomRule]).length)
    headers["X-Shopify-API-Deprecated-Reason"] = DEPRECATION_REASON;
  const result = await run(ctx, document, rawVariables, operationName);
  const actual = queryCost(costInput, result.data ?? null);
  bucket.refund(requested - actual);
  const body: Record<string, unknown> = {};
  if (result.errors?.length) body.errors = formatErrors(result.errors);
  body.data = result.data ?? null;
  body.extensions = costExtension(requested, actual, bucket.status());
  return ok(body);
}
