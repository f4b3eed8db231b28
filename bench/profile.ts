// Summarises a V8 .cpuprofile (node --cpu-prof): self time per function, to say where a process spends its CPU.
import fs from 'node:fs';
import path from 'node:path';

type ProfileNode = { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] };
type CpuProfile = { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };

export type HotFunction = { name: string; where: string; selfPercent: number; selfMs: number };

/**
 * The functions with the most self time, idle time excluded, as a share of the busy time.
 * @example topFunctions(JSON.parse(fs.readFileSync('CPU.cpuprofile', 'utf8')), 15)
 */
export function topFunctions(profile: CpuProfile, limit = 15): { busyMs: number; top: HotFunction[] } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<string, { name: string; where: string; us: number }>();
  let busyUs = 0;
  profile.samples.forEach((id, i) => {
    const node = byId.get(id);
    const dt = profile.timeDeltas[i] ?? 0;
    if (!node || node.callFrame.functionName === '(idle)' || node.callFrame.functionName === '(program)') return;
    const { functionName, url, lineNumber } = node.callFrame;
    const where = url ? `${shorten(url)}:${lineNumber + 1}` : '';
    const key = `${functionName}@${where}`;
    const entry = selfUs.get(key) ?? { name: functionName || '(anonymous)', where, us: 0 };
    entry.us += dt;
    selfUs.set(key, entry);
    busyUs += dt;
  });
  const top = [...selfUs.values()]
    .sort((a, b) => b.us - a.us)
    .slice(0, limit)
    .map((e) => ({ name: e.name, where: e.where, selfMs: e.us / 1000, selfPercent: (100 * e.us) / Math.max(1, busyUs) }));
  return { busyMs: busyUs / 1000, top };
}

/**
 * Self time grouped by where the code lives: a collector folder (`collector/db`), a package (`hono`), Node's
 * internals (HTTP, streams), or a native bucket such as `(garbage collector)`; as a share of the busy time.
 */
export function byArea(profile: CpuProfile): { area: string; selfPercent: number }[] {
  const { busyMs, top } = topFunctions(profile, Infinity);
  const areas = new Map<string, number>();
  for (const f of top) {
    const area = /^(collector\/[^/:]+|bench|sdk)/.exec(f.where)?.[1]
      ?? (f.where.startsWith('node:') ? 'node internals' : null)
      ?? (f.where ? f.where.split('/')[0].replace(/^(@[^/]+)$/, (scope) => f.where.split('/').slice(0, 2).join('/')) : f.name.startsWith('(') ? f.name : 'native (V8, libuv, SQLite via bindings)');
    areas.set(area, (areas.get(area) ?? 0) + f.selfMs);
  }
  return [...areas].map(([area, ms]) => ({ area, selfPercent: (100 * ms) / Math.max(1, busyMs) })).sort((a, b) => b.selfPercent - a.selfPercent);
}

/** Reads the largest .cpuprofile in a folder (the main thread's, when loader threads wrote small ones too). */
export function readLargestProfile(dir: string): CpuProfile | null {
  const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')) : [];
  if (files.length === 0) return null;
  const largest = files.map((f) => path.join(dir, f)).sort((a, b) => fs.statSync(b).size - fs.statSync(a).size)[0];
  return JSON.parse(fs.readFileSync(largest, 'utf8')) as CpuProfile;
}

function shorten(url: string): string {
  const at = url.indexOf('node_modules/');
  if (at >= 0) return url.slice(at + 'node_modules/'.length);
  return url.replace(/^file:\/\/.*?\/(collector|bench|sdk)\//, '$1/').replace(/^node:/, 'node:');
}

// `npx tsx bench/profile.ts DIR` prints the summary of the largest profile in DIR.
if (process.argv[1] && import.meta.url.endsWith(path.basename(process.argv[1])) && process.argv[2]) {
  const profile = readLargestProfile(process.argv[2]);
  if (!profile) throw new Error(`no .cpuprofile in ${process.argv[2]}`);
  const { busyMs, top } = topFunctions(profile, Number(process.argv[3] ?? 20));
  console.log(`busy ${busyMs.toFixed(0)} ms`);
  for (const f of top) console.log(`${f.selfPercent.toFixed(1).padStart(5)}%  ${f.selfMs.toFixed(0).padStart(6)} ms  ${f.name}  ${f.where}`);
  console.log('by area:');
  for (const a of byArea(profile).slice(0, 15)) console.log(`${a.selfPercent.toFixed(1).padStart(5)}%  ${a.area}`);
}
