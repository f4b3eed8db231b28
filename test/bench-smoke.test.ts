// Keeps the benchmark from rotting: `bench/run.ts --smoke` runs end to end and ends with its JSON summary line.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

const KEYS = [
  'ingest_eps', 'ingest_rps', 'baseline_rps', 'ratio', 'p99_ms', 'leads_list_p95_ms', 'lead_detail_p95_ms', 'funnel_ms',
  'rescore_s', 'rss_mb', 'script_main_thread_ms', 'empty_script_ms',
];

describe('bench --smoke', () => {
  it('prints a JSON summary with every figure, positive throughputs, and as many events stored as acknowledged', async () => {
    const { stdout } = await promisify(execFile)('npx', ['tsx', 'bench/run.ts', '--smoke'], { cwd: ROOT, timeout: 90_000, maxBuffer: 10 * 2 ** 20 });
    const last = stdout.trim().split('\n').at(-1)!;
    const result = JSON.parse(last) as Record<string, unknown>;

    for (const key of KEYS) {
      expect(result, key).toHaveProperty(key);
      expect(result[key] === null || typeof result[key] === 'number', `${key} is a number or null`).toBe(true);
    }
    for (const key of ['ingest_eps', 'ingest_rps', 'baseline_rps', 'ratio', 'p99_ms']) expect(result[key], key).toBeGreaterThan(0);
    expect(result.ratio).toBeCloseTo((result.ingest_rps as number) / (result.baseline_rps as number), 1);
    expect(result.events_acked).toBeGreaterThan(0);
    expect(result.events_stored).toBe(result.events_acked);
    expect(result.verified).toBe(true);
  }, 100_000);
});
