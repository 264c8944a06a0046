import {
  getArgumentValues,
  getDirectiveValues,
  getNamedType,
  GraphQLIncludeDirective,
  GraphQLSkipDirective,
  isAbstractType,
  isCompositeType,
  isLeafType,
  isObjectType,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLObjectType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from "graphql";

/**
 * Shopify's calculated query cost (shopify.dev, "GraphQL Admin API rate limits"): scalars and enums
 * cost 0, objects 1, a connection 2 plus its page size times the cost of one node, an interface or
 * union the most expensive of its possible selections, and each mutation field 10.
 * `requested` sizes connections by `first`/`last`; `actual` walks the returned data instead.
 */
export const MUTATION_COST = 10;

type Vars = Record<string, unknown>;

interface Walk {
  schema: GraphQLSchema;
  fragments: Record<string, FragmentDefinitionNode>;
  variables: Vars;
}

function included(node: FieldNode | { directives?: FieldNode["directives"] }, vars: Vars): boolean {
  const skip = getDirectiveValues(GraphQLSkipDirective, node as FieldNode, vars);
  if (skip?.if === true) return false;
  const include = getDirectiveValues(GraphQLIncludeDirective, node as FieldNode, vars);
  return include?.if !== false;
}

function applies(w: Walk, condition: string | undefined, type: GraphQLObjectType): boolean {
  if (!condition || condition === type.name) return true;
  const cond = w.schema.getType(condition);
  return !!cond && isAbstractType(cond) && w.schema.isSubType(cond, type);
}

/** Fields selected on a concrete type, grouped by response key (fragments flattened). */
function collect(
  w: Walk,
  type: GraphQLObjectType,
  set: SelectionSetNode,
  out = new Map<string, FieldNode[]>(),
): Map<string, FieldNode[]> {
  for (const sel of set.selections) {
    if (!included(sel, w.variables)) continue;
    if (sel.kind === "Field") {
      const key = sel.alias?.value ?? sel.name.value;
      out.set(key, [...(out.get(key) ?? []), sel]);
    } else if (sel.kind === "InlineFragment") {
      if (applies(w, sel.typeCondition?.name.value, type)) collect(w, type, sel.selectionSet, out);
    } else {
      const frag = w.fragments[sel.name.value];
      if (frag && applies(w, frag.typeCondition.name.value, type)) collect(w, type, frag.selectionSet, out);
    }
  }
  return out;
}

function mergedSelection(nodes: FieldNode[]): SelectionSetNode | undefined {
  const selections = nodes.flatMap((n) => n.selectionSet?.selections ?? []);
  return selections.length
    ? ({ kind: "SelectionSet" as SelectionSetNode["kind"], selections } as SelectionSetNode)
    : undefined;
}

function isConnection(type: GraphQLCompositeType): type is GraphQLObjectType {
  if (!isObjectType(type) || !type.name.endsWith("Connection")) return false;
  const f = type.getFields();
  return "pageInfo" in f && ("edges" in f || "nodes" in f);
}

function concreteTypes(w: Walk, type: GraphQLCompositeType): readonly GraphQLObjectType[] {
  return isAbstractType(type) ? w.schema.getPossibleTypes(type) : [type as GraphQLObjectType];
}

/** Cost of one object's selection (not counting the object itself). `value` is the returned data in actual mode. */
function selectionCost(
  w: Walk,
  type: GraphQLCompositeType,
  set: SelectionSetNode,
  value: unknown,
  actual: boolean,
): number {
  let best = 0;
  for (const concrete of concreteTypes(w, type)) {
    let sum = 0;
    const fields = concrete.getFields();
    for (const [key, nodes] of collect(w, concrete, set)) {
      const def = fields[nodes[0]!.name.value];
      if (!def) continue;
      const fieldValue =
        actual && value && typeof value === "object" ? (value as Record<string, unknown>)[key] : undefined;
      sum += fieldCost(w, def, nodes, fieldValue, actual);
    }
    best = Math.max(best, sum);
  }
  return best;
}

function objectCost(
  w: Walk,
  type: GraphQLCompositeType,
  set: SelectionSetNode | undefined,
  value: unknown,
  actual: boolean,
): number {
  if (actual && (value === null || value === undefined)) return 0;
  return 1 + (set ? selectionCost(w, type, set, value, actual) : 0);
}

function connectionCost(
  w: Walk,
  conn: GraphQLObjectType,
  def: GraphQLField<unknown, unknown>,
  nodes: FieldNode[],
  value: unknown,
  actual: boolean,
): number {
  const f = conn.getFields();
  const inner = f.nodes
    ? (getNamedType(f.nodes.type) as GraphQLCompositeType)
    : (getNamedType((getNamedType(f.edges!.type) as GraphQLObjectType).getFields().node!.type) as GraphQLCompositeType);
  // Node selections through both `nodes { … }` and `edges { node { … } }`.
  const sets: SelectionSetNode[] = [];
  const connSet = mergedSelection(nodes);
  if (connSet) {
    const byKey = collect(w, conn, connSet);
    for (const [, fieldNodes] of byKey) {
      const name = fieldNodes[0]!.name.value;
      if (name === "nodes") {
        const s = mergedSelection(fieldNodes);
        if (s) sets.push(s);
      } else if (name === "edges") {
        const edgeSet = mergedSelection(fieldNodes);
        const edgeType = getNamedType(f.edges!.type) as GraphQLObjectType;
        if (edgeSet) {
          for (const [, nodeNodes] of collect(w, edgeType, edgeSet)) {
            if (nodeNodes[0]!.name.value === "node") {
              const s = mergedSelection(nodeNodes);
              if (s) sets.push(s);
            }
          }
        }
      }
    }
  }
  const one = (item: unknown) => Math.max(1, ...sets.map((s) => objectCost(w, inner, s, item, actual)));
  if (!actual) {
    const args = getArgumentValues(def, nodes[0]!, w.variables) as { first?: number; last?: number };
    const size = args.first ?? args.last ?? 0;
    return 2 + size * one(undefined);
  }
  if (value === null || value === undefined) return 0;
  const v = value as { nodes?: unknown[]; edges?: { node?: unknown }[] };
  const items = v.nodes ?? v.edges?.map((e) => e?.node) ?? [];
  return 2 + items.reduce<number>((sum, item) => sum + one(item), 0);
}

function fieldCost(
  w: Walk,
  def: GraphQLField<unknown, unknown>,
  nodes: FieldNode[],
  value: unknown,
  actual: boolean,
): number {
  const named = getNamedType(def.type);
  if (isLeafType(named) || !isCompositeType(named)) return 0;
  if (isConnection(named)) return connectionCost(w, named, def, nodes, value, actual);
  const set = mergedSelection(nodes);
  if (actual) {
    if (Array.isArray(value))
      return value.reduce<number>((sum, item) => sum + objectCost(w, named, set, item, true), 0);
    return objectCost(w, named, set, value, true);
  }
  // `nodes(ids:)` is sized by the ids asked for; other plain lists count as one object.
  let times = 1;
  if (def.name === "nodes" && def.args.some((a) => a.name === "ids")) {
    const args = getArgumentValues(def, nodes[0]!, w.variables) as { ids?: unknown[] };
    times = args.ids?.length ?? 1;
  }
  return times * objectCost(w, named, set, undefined, false);
}

export interface CostInput {
  schema: GraphQLSchema;
  operation: OperationDefinitionNode;
  fragments: Record<string, FragmentDefinitionNode>;
  /** Coerced variable values. */
  variables: Vars;
}

/** Requested cost (before execution) or, given the response data, actual cost. */
export function queryCost(input: CostInput, data?: unknown): number {
  const w: Walk = { schema: input.schema, fragments: input.fragments, variables: input.variables };
  const actual = data !== undefined;
  const root = input.operation.operation === "mutation" ? input.schema.getMutationType() : input.schema.getQueryType();
  if (!root) return 0;
  if (input.operation.operation === "mutation") {
    const fields = collect(w, root, input.operation.selectionSet);
    return fields.size * MUTATION_COST;
  }
  return selectionCost(w, root, input.operation.selectionSet, actual ? data : undefined, actual);
}
