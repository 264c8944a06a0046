import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { Gauge, type Registry } from "prom-client";

const run = promisify(execFile);

export const GPU_METRIC = {
  memoryUsed: "scenebooth_gpu_memory_used_bytes",
  memoryTotal: "scenebooth_gpu_memory_total_bytes",
  utilization: "scenebooth_gpu_utilization_ratio",
} as const;

interface GpuReading {
  gpu: string;
  usedBytes: number;
  totalBytes: number;
  utilization: number;
}

/** One line per GPU of `nvidia-smi --query-gpu=index,memory.used,memory.total,utilization.gpu --format=csv,noheader,nounits`. */
export function parseNvidiaSmi(text: string): GpuReading[] {
  return text
    .split("\n")
    .map((line) => line.split(",").map((field) => field.trim()))
    .filter((fields) => fields.length === 4 && fields.every((f) => /^\d+(\.\d+)?$/.test(f)))
    .map(([gpu, used, total, util]) => ({
      gpu: gpu!,
      usedBytes: Number(used) * 2 ** 20,
      totalBytes: Number(total) * 2 ** 20,
      utilization: Number(util) / 100,
    }));
}

/**
 * GPU memory and utilisation, read from nvidia-smi at each scrape (2 s bound). Where it cannot run
 * (no driver, a CPU host) the series are simply absent.
 */
export function registerGpuMetrics(registry: Registry, command = "nvidia-smi"): void {
  let reading: Promise<GpuReading[]> | undefined;
  // The three gauges are collected in one scrape: one nvidia-smi call for all of them.
  const read = () =>
    (reading ??= run(
      command,
      ["--query-gpu=index,memory.used,memory.total,utilization.gpu", "--format=csv,noheader,nounits"],
      { timeout: 2_000 },
    )
      .then(({ stdout }) => parseNvidiaSmi(stdout))
      .catch(() => [])
      .finally(() => setTimeout(() => (reading = undefined), 500).unref()));
  const gauge = (name: string, help: string, value: (r: GpuReading) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ["gpu"],
      registers: [registry],
      async collect() {
        this.reset();
        for (const r of await read()) this.set({ gpu: r.gpu }, value(r));
      },
    });
  gauge(GPU_METRIC.memoryUsed, "GPU memory in use (nvidia-smi)", (r) => r.usedBytes);
  gauge(GPU_METRIC.memoryTotal, "GPU memory in all (nvidia-smi)", (r) => r.totalBytes);
  gauge(GPU_METRIC.utilization, "GPU utilisation, 0–1 (nvidia-smi)", (r) => r.utilization);
}
