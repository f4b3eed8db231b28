// Keeps the benchmark from rotting: `bench/run.ts --smoke` runs end to end and ends with its JSON summary line, and
// `bench/storage.ts` (the storage path alone) stores every event it times.
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

describe('bench/storage.ts', () => {
  it('times the storage path and stores every event it was given', async () => {
    const args = ['tsx', 'bench/storage.ts', '--requests', '300', '--group', '7', '--events', '2', '--visitors', '20'];
    const { stdout } = await promisify(execFile)('npx', args, { cwd: ROOT, timeout: 60_000 });
    const result = JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, number>;
    expect(result.storage_us_per_request).toBeGreaterThan(0);
    expect(result.cpu_us_per_request).toBeGreaterThan(0);
    expect(result).toMatchObject({ requests: 300, group: 7, events_per_request: 2, events_stored: 600 });
  }, 70_000);
});
