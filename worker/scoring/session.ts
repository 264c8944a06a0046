import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import ort from "onnxruntime-node";
import { ExecutionProviderError, ModelFilesError } from "./errors";

export type ExecutionProvider = "cpu" | "cuda";

export interface SessionOptions {
  executionProvider?: ExecutionProvider;
  /** Threads inside one operator; default: onnxruntime's choice (all cores). */
  threads?: number;
}

/**
 * Whether onnxruntime-node's CUDA provider libraries are installed (they are downloaded by its
 * install script only with ONNXRUNTIME_NODE_INSTALL=cuda12); checked so that a CPU host gets a
 * clear error instead of a failed library load.
 */
export function cudaProviderInstalled(): boolean {
  const pkg = path.dirname(path.dirname(createRequire(import.meta.url).resolve("onnxruntime-node")));
  const bin = path.join(pkg, "bin", "napi-v6", process.platform, process.arch);
  return existsSync(
    path.join(
      bin,
      process.platform === "win32" ? "onnxruntime_providers_cuda.dll" : "libonnxruntime_providers_cuda.so",
    ),
  );
}

/** One onnxruntime session per model file, on the configured execution provider. */
export async function createSession(file: string, options: SessionOptions = {}): Promise<ort.InferenceSession> {
  const provider = options.executionProvider ?? "cpu";
  if (provider !== "cpu" && provider !== "cuda") {
    throw new ExecutionProviderError(`execution provider must be "cpu" or "cuda", got "${String(provider)}"`);
  }
  if (provider === "cuda") {
    if (!cudaProviderInstalled()) {
      throw new ExecutionProviderError(
        "the CUDA execution provider is not installed: install onnxruntime-node with ONNXRUNTIME_NODE_INSTALL=cuda12 on a GPU host, or use cpu",
      );
    }
  }
  try {
    return await ort.InferenceSession.create(file, {
      executionProviders: provider === "cuda" ? ["cuda", "cpu"] : ["cpu"],
      graphOptimizationLevel: "all",
      // Idle pool threads would otherwise spin after each run and take the cores that decoding and
      // preprocessing need between runs (measured: ~2x slower scoring on 2 cores).
      extra: { session: { intra_op: { allow_spinning: "0" } } },
      ...(options.threads ? { intraOpNumThreads: options.threads } : {}),
    });
  } catch (error) {
    const message = (error as Error).message;
    if (provider === "cuda" && /cuda|provider/i.test(message)) {
      throw new ExecutionProviderError(
        `CUDA execution provider unavailable (${message}); install onnxruntime-node with ONNXRUNTIME_NODE_INSTALL=cuda12 on a GPU host, or use cpu`,
      );
    }
    throw new ModelFilesError(`could not load ${file}: ${message}`);
  }
}

export function float32(data: Float32Array, dims: number[]): ort.Tensor {
  return new ort.Tensor("float32", data, dims);
}

export function int64Rows(rows: number[][]): ort.Tensor {
  const length = rows[0]?.length ?? 0;
  const data = new BigInt64Array(rows.length * length);
  rows.forEach((row, i) => row.forEach((v, j) => (data[i * length + j] = BigInt(v))));
  return new ort.Tensor("int64", data, [rows.length, length]);
}

/** Row `i` of a [n, d] float tensor, copied. */
export function row(tensor: ort.Tensor, i: number): Float32Array {
  const d = tensor.dims[tensor.dims.length - 1]!;
  return (tensor.data as Float32Array).slice(i * d, (i + 1) * d);
}
