// The Kubernetes base in deploy/kubernetes: every object validates against Kubernetes' own schemas
// (kubernetes-validate from PyPI, offline), the GPU autoscaler's query names metrics the workers
// really export, and every production setting of the README is configured.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { config } from "../../lib/config";
import { METRIC, QUEUE_JOB_STATES } from "../../lib/metrics";
import { QUEUE_NAMES } from "../../lib/pipeline/stages";

const BASE = path.join(import.meta.dirname, "../../deploy/kubernetes");
const KUBERNETES_VERSION = "1.31.0";

interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  spec?: any;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}

const kustomization = parseAllDocuments(readFileSync(path.join(BASE, "kustomization.yaml"), "utf8"))[0]!.toJS();
const files: string[] = kustomization.resources.map((file: string) => path.join(BASE, file));
const objects: K8sObject[] = files.flatMap((file) =>
  parseAllDocuments(readFileSync(file, "utf8")).map((doc) => doc.toJS() as K8sObject),
);
const find = (kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name);
const deployments = objects.filter((o) => o.kind === "Deployment");
const workers = deployments.filter((d) =>
  d.spec.template.spec.containers.some((c: { command?: string[] }) => c.command?.join(" ") === "npm run worker"),
);

/** A container's environment as Kubernetes builds it: envFrom first, then env over it. */
function environment(container: {
  env?: Array<{ name: string; value: string }>;
  envFrom?: Array<{ configMapRef?: { name: string }; secretRef?: { name: string } }>;
}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const source of container.envFrom ?? []) {
    const ref = source.configMapRef ?? source.secretRef;
    const object = find(source.configMapRef ? "ConfigMap" : "Secret", ref!.name);
    expect(object, `${source.configMapRef ? "ConfigMap" : "Secret"} ${ref!.name}`).toBeDefined();
    Object.assign(env, object!.data ?? {}, object!.stringData ?? {});
  }
  for (const { name, value } of container.env ?? []) env[name] = value;
  return env;
}

describe("the Kubernetes base (deploy/kubernetes)", () => {
  it("validates every object against Kubernetes' schemas, strictly (unknown fields refused)", () => {
    let output: string;
    try {
      output = execFileSync(
        config().python,
        ["-m", "kubernetes_validate", "--strict", "-k", KUBERNETES_VERSION, ...files],
        { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] },
      );
    } catch (error) {
      const failed = error as { stdout?: string; stderr?: string };
      throw new Error(`kubernetes-validate failed:\n${failed.stdout ?? ""}${failed.stderr ?? ""}`);
    }
    // The one kind without a schema in Kubernetes' own set is KEDA's, checked below field by field.
    const unchecked = output.split("\n").filter((line) => line.includes("Couldn't find schema"));
    expect(unchecked.every((line) => line.includes("kind ScaledObject with api version keda.sh/v1alpha1"))).toBe(true);
    expect(output).not.toMatch(/ERROR/);
    expect(objects.length).toBeGreaterThanOrEqual(10);
  });

  it("scales the GPU workers on the job counts the workers export, down to zero", () => {
    const scaled = objects.find((o) => o.kind === "ScaledObject")!;
    expect(find("Deployment", scaled.spec.scaleTargetRef.name)).toBeDefined();
    expect(scaled.spec.minReplicaCount).toBe(0);
    const gpu = find("Deployment", scaled.spec.scaleTargetRef.name)!;
    const consumed = environment(gpu.spec.template.spec.containers[0]).WORKER_QUEUES!.split(",");
    expect(consumed).toContain("gpu");

    const [trigger] = scaled.spec.triggers;
    expect(trigger.type).toBe("prometheus");
    const query: string = trigger.metadata.query;
    const names = [...query.matchAll(/([a-zA-Z_:][\w:]*)\s*\{/g)].map((m) => m[1]);
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) expect(Object.values(METRIC)).toContain(name);
    // The query counts exactly the queues the scaled workers consume (none is left without a worker).
    const queues = query
      .match(/queue=~"([^"]+)"/)![1]!
      .split("|")
      .sort();
    expect(queues).toEqual(consumed.map((key) => QUEUE_NAMES[key as keyof typeof QUEUE_NAMES]).sort());
    const everyQueue = new Set(
      workers.flatMap((w) => environment(w.spec.template.spec.containers[0]).WORKER_QUEUES!.split(",")),
    );
    expect([...everyQueue].sort()).toEqual(Object.keys(QUEUE_NAMES).sort());
    const states = query.match(/state=~"([^"]+)"/)![1]!.split("|");
    for (const state of states) expect(QUEUE_JOB_STATES).toContain(state);
    // BullMQ keeps prioritized jobs apart from waiting ones; running ones keep their worker.
    expect(states).toEqual(expect.arrayContaining(["waiting", "prioritized", "active"]));

    // Something that is not scaled to zero exports the counts.
    const exporters = workers.filter((w) => w !== gpu && w.spec.replicas > 0);
    expect(exporters.length).toBeGreaterThan(0);
    for (const w of exporters) expect(w.spec.template.metadata.annotations["prometheus.io/path"]).toBe("/metrics");
  });

  it("gives every worker a termination grace longer than its own drain, and probes on the worker's endpoints", () => {
    expect(workers.length).toBeGreaterThanOrEqual(2);
    for (const worker of workers) {
      const spec = worker.spec.template.spec;
      const env = environment(spec.containers[0]);
      expect(Number(env.WORKER_SHUTDOWN_GRACE_MS), worker.metadata.name).toBeLessThan(
        spec.terminationGracePeriodSeconds * 1000,
      );
      expect(env.WORKER_HEALTH_HOST).toBe("0.0.0.0");
      expect(spec.containers[0].readinessProbe.httpGet.path).toBe("/readyz");
      expect(spec.containers[0].livenessProbe.httpGet.path).toBe("/livez");
    }
  });

  it("requests a GPU for the GPU workers and fills their models volume before they start", () => {
    const gpu = find("Deployment", "scenebooth-worker-gpu")!.spec.template.spec;
    expect(gpu.containers[0].resources.limits["nvidia.com/gpu"]).toBe("1");
    expect(gpu.tolerations.some((t: { key: string }) => t.key === "nvidia.com/gpu")).toBe(true);
    expect(gpu.initContainers[0].command.join(" ")).toContain("models:fetch");
    const migrate = objects.find((o) => o.kind === "Job")!;
    expect(migrate.spec.template.spec.containers[0].command.join(" ")).toBe("npm run db:deploy");
  });

  it("configures every production variable of the README's Environment table", () => {
    const readme = readFileSync(path.join(import.meta.dirname, "../../README.md"), "utf8");
    const table = readme.slice(
      readme.indexOf("## Environment"),
      readme.indexOf("\n## ", readme.indexOf("## Environment") + 5),
    );
    const variables = [...table.matchAll(/^\| ([^|]+) \|/gm)].flatMap((m) =>
      [...m[1]!.matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((v) => v[1]!),
    );
    expect(variables.length).toBeGreaterThan(30);
    // Development, test and local-store settings: not part of a deployment.
    const notDeployed = new Set([
      "PRISMA_WASM_ENGINE", "SCENEBOOTH_PYTHON", "SCENEBOOTH_BASE_PYTHON", "SCENEBOOTH_SHARED_DIR",
      "SHOPIFY_LOCAL_STORE_URL", "DEVSTORE_PORT", "DEVSTORE_STATE", "DEVSTORE_BUCKET_SIZE", "DEVSTORE_RESTORE_RATE",
      "ONNXRUNTIME_NODE_INSTALL", "TEST_POSTGRES_URL", "MIGRATION_POSTGRES_URL", "SCENEBOOTH_TEST_CHARGES",
      "APP_BRIDGE_URL", "CHROMIUM_PATH", "SCENEBOOTH_EXPORT_REAL_MODELS", "SCENEBOOTH_CLIP_MODEL", "STORAGE_DIR",
    ]); // prettier-ignore
    const configured = files.map((file) => readFileSync(file, "utf8")).join("\n");
    const missing = variables.filter(
      (v) => !notDeployed.has(v) && !new RegExp(`^\\s*(#\\s*)?(- name: )?${v}\\b`, "m").test(configured),
    );
    expect(missing).toEqual([]);
  });
});
