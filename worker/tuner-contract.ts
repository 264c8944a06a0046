/**
 * The worker's side of the contract with the Python tuner (worker/tuner/scenebooth_tuner/spec.py):
 * each command's spec and result, described once at runtime; the TypeScript types are derived from
 * the descriptions. Keys are camelCase here and snake_case on the wire (`wireName`, the one mapping).
 * tuner-contract.test.ts checks the descriptions against `python -m scenebooth_tuner contract`:
 * field names, types, required or not, and defaults, both ways.
 */

export type TypeNode =
  | { readonly kind: "string" | "path" | "integer" | "number" | "boolean" }
  | { readonly kind: "enum"; readonly values: readonly string[] }
  | { readonly kind: "nullable" | "list"; readonly of: TypeNode }
  | { readonly kind: "union"; readonly of: readonly TypeNode[] }
  | { readonly kind: "object"; readonly fields: Readonly<Record<string, FieldNode>> };

/** `default` is the value the tuner uses when the field is left out (specs only). */
export interface FieldNode {
  readonly type: TypeNode;
  readonly required: boolean;
  readonly default?: unknown;
}

type ObjectNode = Extract<TypeNode, { kind: "object" }>;

const t = {
  string: { kind: "string" },
  path: { kind: "path" },
  integer: { kind: "integer" },
  number: { kind: "number" },
  boolean: { kind: "boolean" },
  enum: <const V extends readonly string[]>(...values: V) => ({ kind: "enum", values }) as const,
  nullable: <N extends TypeNode>(of: N) => ({ kind: "nullable", of }) as const,
  list: <N extends TypeNode>(of: N) => ({ kind: "list", of }) as const,
  union: <const N extends readonly TypeNode[]>(...of: N) => ({ kind: "union", of }) as const,
  object: <const F extends Record<string, FieldNode>>(fields: F) => ({ kind: "object", fields }) as const,
} as const;

const required = <N extends TypeNode>(type: N) => ({ type, required: true }) as const;
/** A spec field the tuner fills in when left out; `null` defaults are worked out by the tuner (e.g. from the profile). */
const withDefault = <N extends TypeNode>(type: N, value: DefaultValue<N>) => ({
  type,
  required: false as const,
  default: value as unknown,
});
/** A nested spec object whose fields all have defaults: its default is theirs. */
const nested = <N extends ObjectNode>(type: N) => ({ type, required: false, default: defaultsOf(type) }) as const;
/** A result field the tuner may leave out. */
const optional = <N extends TypeNode>(type: N) => ({ type, required: false }) as const;

function defaultsOf(node: ObjectNode): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(node.fields).map(([key, field]) => {
      if (!("default" in field)) throw new Error(`${key} has no default`);
      return [key, field.default];
    }),
  );
}

/** The TypeScript value of a described type. */
export type Value<N> = N extends { kind: "string" | "path" }
  ? string
  : N extends { kind: "integer" | "number" }
    ? number
    : N extends { kind: "boolean" }
      ? boolean
      : N extends { kind: "enum"; values: readonly (infer V)[] }
        ? V
        : N extends { kind: "nullable"; of: infer O }
          ? Value<O> | null
          : N extends { kind: "list"; of: infer O }
            ? Value<O>[]
            : N extends { kind: "union"; of: readonly (infer O)[] }
              ? Value<O>
              : N extends { kind: "object"; fields: infer F }
                ? ObjectValue<F>
                : never;

/** Value<N> for the types that defaults have (not recursive, so that `withDefault` can be checked against it). */
type DefaultValue<N> = N extends { kind: "nullable"; of: infer O } ? ScalarValue<O> | null : ScalarValue<N>;
type ScalarValue<N> = N extends { kind: "string" | "path" }
  ? string
  : N extends { kind: "integer" | "number" }
    ? number
    : N extends { kind: "boolean" }
      ? boolean
      : N extends { kind: "enum"; values: readonly (infer V)[] }
        ? V
        : N extends { kind: "list"; of: { kind: "string" } }
          ? readonly string[]
          : never;

type ObjectValue<F> = {
  -readonly [K in keyof F as F[K] extends { required: true } ? K : never]: F[K] extends { type: infer T }
    ? Value<T>
    : never;
} & {
  -readonly [K in keyof F as F[K] extends { required: true } ? never : K]?: F[K] extends { type: infer T }
    ? Value<T>
    : never;
};

// ------------------------------------------------------------------------------------------ the commands

const jobFields = {
  profile: required(t.enum("tiny", "sd21", "sd21-lora")),
  outputDir: required(t.path),
  classNoun: required(t.string),
  identifier: withDefault(t.nullable(t.string), null),
  seed: withDefault(t.integer, 0),
  device: withDefault(t.nullable(t.enum("auto", "cpu", "cuda")), null),
  cacheDir: withDefault(t.nullable(t.path), null),
} as const;

const resultFields = {
  profile: required(t.string),
  randomWeights: required(t.boolean),
  classNoun: required(t.string),
  identifier: required(t.string),
  elapsedS: required(t.number),
  note: optional(t.string),
} as const;

const mode = t.enum("full", "lora");
/** docs/recipe.md: the paper's plain-text identifier, or one new token with its own embedding row. */
const identifierMode = t.enum("plain", "new_token");
/** docs/recipe.md: the text encoder alone then the UNet alone (the paper's), or both in the first steps. */
const textEncoderSchedule = t.enum("separate", "joint");

export const TUNER_COMMANDS = {
  caption: {
    spec: t.object({
      ...jobFields,
      images: required(t.list(t.path)),
      maxNewTokens: withDefault(t.integer, 30),
      batchSize: withDefault(t.integer, 4),
    }),
    result: t.object({
      ...resultFields,
      command: required(t.enum("caption")),
      question: required(t.string),
      captions: required(
        t.list(
          t.object({
            image: required(t.string),
            raw: required(t.string),
            caption: required(t.string),
            prompt: required(t.string),
          }),
        ),
      ),
    }),
  },
  train: {
    spec: t.object({
      ...jobFields,
      instances: required(
        t.list(t.object({ image: required(t.path), caption: withDefault(t.nullable(t.string), null) })),
      ),
      mode: withDefault(t.nullable(mode), null),
      identifierMode: withDefault(identifierMode, "plain"),
      steps: nested(
        t.object({
          unet: withDefault(t.integer, 1500),
          textEncoder: withDefault(t.integer, 200),
          textEncoderSchedule: withDefault(textEncoderSchedule, "separate"),
          adaptive: withDefault(t.boolean, true),
        }),
      ),
      lr: nested(
        t.object({
          unet: withDefault(t.nullable(t.number), null),
          textEncoder: withDefault(t.nullable(t.number), null),
          identifier: withDefault(t.nullable(t.number), null),
        }),
      ),
      prior: nested(
        t.object({
          enabled: withDefault(t.boolean, true),
          numClassImages: withDefault(t.nullable(t.integer), null),
          weight: withDefault(t.number, 1),
        }),
      ),
      lora: nested(
        t.object({
          rank: withDefault(t.integer, 8),
          alpha: withDefault(t.nullable(t.number), null),
          unetTargets: withDefault(t.list(t.string), ["to_q", "to_k", "to_v", "to_out.0"]),
          textEncoderTargets: withDefault(t.list(t.string), ["q_proj", "k_proj", "v_proj", "out_proj"]),
        }),
      ),
      batchSize: withDefault(t.integer, 1),
      checkpointEvery: withDefault(t.integer, 250),
      gradientCheckpointing: withDefault(t.boolean, false),
    }),
    result: t.object({
      ...resultFields,
      command: required(t.enum("train")),
      mode: required(mode),
      artifact: required(t.string),
      artifactBytes: required(t.integer),
      identifierMode: required(identifierMode),
      identifierTokenId: required(t.nullable(t.integer)),
      prompts: required(t.list(t.string)),
      steps: required(
        t.object({
          unet: required(t.integer),
          unetRequested: required(t.integer),
          textEncoder: required(t.integer),
          textEncoderSchedule: required(textEncoderSchedule),
          total: required(t.integer),
        }),
      ),
      adaptive: required(
        t.nullable(
          t.object({
            complexity: required(t.number),
            simple: required(t.boolean),
            factor: required(t.number),
            sampleSteps: required(t.integer),
          }),
        ),
      ),
      sampleSteps: required(t.integer),
      lr: required(
        t.object({
          unet: required(t.number),
          textEncoder: required(t.number),
          identifier: required(t.nullable(t.number)),
        }),
      ),
      prior: required(
        t.object({
          enabled: required(t.boolean),
          classPrompt: required(t.string),
          numClassImages: required(t.integer),
          weight: required(t.number),
          classImagesDir: required(t.nullable(t.string)),
          classImagesGenerated: required(t.integer),
        }),
      ),
      lora: required(
        t.nullable(
          t.object({
            rank: required(t.integer),
            alpha: required(t.number),
            unetTargets: required(t.list(t.string)),
            textEncoderTargets: required(t.list(t.string)),
          }),
        ),
      ),
      seed: required(t.integer),
      device: required(t.string),
      gradientCheckpointing: required(t.boolean),
      losses: required(t.list(t.number)),
      resumedFromStep: required(t.nullable(t.integer)),
      fingerprint: required(t.string),
      reused: optional(t.boolean),
    }),
  },
  generate: {
    spec: t.object({
      ...jobFields,
      weights: withDefault(t.nullable(t.path), null),
      scenes: required(t.list(t.union(t.integer, t.string))),
      quality: withDefault(t.boolean, false),
      numImages: withDefault(t.integer, 4),
      steps: withDefault(t.nullable(t.integer), null),
      guidanceScale: withDefault(t.number, 7.5),
      negativePrompt: withDefault(t.string, ""),
      batchSize: withDefault(t.nullable(t.integer), null),
      product: withDefault(t.boolean, true),
      /** One per scene: null (tuned) or an RGBA PNG of the output size, the product placed with its matte as alpha (exact). */
      layers: withDefault(t.nullable(t.list(t.nullable(t.path))), null),
    }),
    result: t.object({
      ...resultFields,
      command: required(t.enum("generate")),
      weights: required(t.nullable(t.string)),
      weightsKind: required(t.enum("base", "full", "lora")),
      steps: required(t.integer),
      guidanceScale: required(t.number),
      negativePrompt: required(t.string),
      scheduler: required(t.string),
      size: required(t.integer),
      modelResolution: required(t.integer),
      batchSize: required(t.integer),
      device: required(t.string),
      images: required(
        t.list(
          t.object({
            path: required(t.string),
            prompt: required(t.string),
            scene: required(t.string),
            sceneIndex: required(t.nullable(t.integer)),
            sceneKind: required(t.enum("general", "specific", "custom")),
            seed: required(t.integer),
            mode: required(t.enum("exact", "tuned")),
            layer: optional(t.string),
          }),
        ),
      ),
    }),
  },
} as const satisfies Record<string, { spec: ObjectNode; result: ObjectNode }>;

export type TunerCommand = keyof typeof TUNER_COMMANDS;
export type TunerSpec<C extends TunerCommand> = Value<(typeof TUNER_COMMANDS)[C]["spec"]>;
export type TunerResult<C extends TunerCommand> = Value<(typeof TUNER_COMMANDS)[C]["result"]>;

// ------------------------------------------------------------------------------------------ the wire

/** The wire's name of a field: `classNoun` → `class_noun`. */
export function wireName(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** A spec as the tuner reads it: snake_case keys, left-out fields left out. */
export function specToWire<C extends TunerCommand>(command: C, spec: TunerSpec<C>): Record<string, unknown> {
  return toWire(TUNER_COMMANDS[command].spec, spec, "spec") as Record<string, unknown>;
}

function toWire(node: TypeNode, value: unknown, where: string): unknown {
  if (value === null || value === undefined) return value;
  switch (node.kind) {
    case "nullable":
      return toWire(node.of, value, where);
    case "list":
      return (value as unknown[]).map((item, i) => toWire(node.of, item, `${where}[${i}]`));
    case "object":
      return Object.fromEntries(
        Object.entries(value as Record<string, unknown>)
          .filter(([, v]) => v !== undefined)
          .map(([key, v]) => {
            const field = node.fields[key];
            if (!field) throw new Error(`${where}.${key} is not a field of the tuner's contract`);
            return [wireName(key), toWire(field.type, v, `${where}.${key}`)];
          }),
      );
    default:
      return value;
  }
}

/** The tuner's result line read as the contract says, or the first place where it differs. */
/** The file a command also writes its result to, in its spec's outputDir (scenebooth_tuner writes `result.json`). */
export const RESULT_FILE = "result.json";

export function resultFromWire<C extends TunerCommand>(command: C, wire: unknown): TunerResult<C> {
  return fromWire(TUNER_COMMANDS[command].result, wire, "result") as TunerResult<C>;
}

function fromWire(node: TypeNode, value: unknown, where: string): unknown {
  const wrong = (what: string) => new Error(`${where} must be ${what}, got ${JSON.stringify(value)?.slice(0, 80)}`);
  switch (node.kind) {
    case "nullable":
      return value === null ? null : fromWire(node.of, value, where);
    case "string":
    case "path":
      if (typeof value !== "string") throw wrong("a string");
      return value;
    case "integer":
      if (!Number.isInteger(value)) throw wrong("an integer");
      return value;
    case "number":
      if (typeof value !== "number") throw wrong("a number");
      return value;
    case "boolean":
      if (typeof value !== "boolean") throw wrong("true or false");
      return value;
    case "enum":
      if (!node.values.includes(value as string)) throw wrong(`one of ${node.values.join(", ")}`);
      return value;
    case "union":
      for (const option of node.of) {
        try {
          return fromWire(option, value, where);
        } catch {
          // the next option
        }
      }
      throw wrong(node.of.map((o) => o.kind).join(" or "));
    case "list":
      if (!Array.isArray(value)) throw wrong("a list");
      return value.map((item, i) => fromWire(node.of, item, `${where}[${i}]`));
    case "object": {
      if (typeof value !== "object" || value === null || Array.isArray(value)) throw wrong("an object");
      const wire = value as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      // Keys the contract does not name are dropped: the contract test keeps both sides in step.
      for (const [key, field] of Object.entries(node.fields)) {
        const name = wireName(key);
        if (wire[name] === undefined) {
          if (field.required) throw new Error(`${where}.${name} is missing`);
          continue;
        }
        out[key] = fromWire(field.type, wire[name], `${where}.${name}`);
      }
      return out;
    }
  }
}

/** The contract with wire names, in the shape `python -m scenebooth_tuner contract` prints. */
export function describeContract(): Record<TunerCommand, { spec: TypeNode; result: TypeNode }> {
  const wire = (node: TypeNode): TypeNode => {
    switch (node.kind) {
      case "nullable":
      case "list":
        return { kind: node.kind, of: wire(node.of) };
      case "union":
        return { kind: "union", of: node.of.map(wire) };
      case "enum":
        return { kind: "enum", values: [...node.values] };
      case "object":
        return {
          kind: "object",
          fields: Object.fromEntries(
            Object.entries(node.fields).map(([key, field]) => [
              wireName(key),
              {
                type: wire(field.type),
                required: field.required,
                ...("default" in field ? { default: toWire(field.type, field.default, key) } : {}),
              },
            ]),
          ),
        };
      default:
        return { kind: node.kind };
    }
  };
  return Object.fromEntries(
    Object.entries(TUNER_COMMANDS).map(([name, c]) => [name, { spec: wire(c.spec), result: wire(c.result) }]),
  ) as Record<TunerCommand, { spec: TypeNode; result: TypeNode }>;
}

/** One field of a spec as it goes on the wire (e.g. the train steps that a settings hash is made of). */
export function specFieldToWire<C extends TunerCommand, K extends keyof TunerSpec<C> & string>(
  command: C,
  key: K,
  value: TunerSpec<C>[K],
): unknown {
  const node = TUNER_COMMANDS[command].spec as ObjectNode;
  return toWire(node.fields[key]!.type, value, `spec.${key}`);
}
