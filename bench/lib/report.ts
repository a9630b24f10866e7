/** Benchmark output contract (shared/spec/BENCH.md): one JSON object per metric per line. */
import { cpus, loadavg } from 'node:os';

export interface Metric {
  scenario: string;
  metric: string;
  value: number;
  unit: string;
  target: number | null;
  higher_is_better: boolean;
  settings: Record<string, unknown>;
  ceiling?: number;
  ratio?: number;
}

export interface BenchContext {
  /** Report one metric (printed immediately). */
  emit(m: Omit<Metric, 'scenario' | 'settings'> & { settings?: Record<string, unknown> }): void;
  /** Logs go to stderr. */
  log(msg: string): void;
  readonly quick: boolean;
}

export interface BenchScenario {
  name: string;
  description: string;
  run(ctx: BenchContext): Promise<void>;
}

export function machineSettings(): Record<string, unknown> {
  // The 1-minute load average at emit time: these machines are shared, and a figure is only
  // comparable with others taken under similar load.
  return {
    node: process.version,
    cores: cpus().length,
    cpu: cpus()[0]?.model ?? 'unknown',
    loadavg_1m: Number(loadavg()[0].toFixed(2)),
  };
}
