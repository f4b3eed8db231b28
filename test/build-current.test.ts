// bin/piste.mjs runs dist/collector only when it is current: what "current" means, on a tree of its own.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const MODULE = fileURLToPath(new URL('../bin/build-current.mjs', import.meta.url));
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** A project of its own: bin/build-current.mjs, collector/ with a source and a test, dist/collector/cli.js. */
function project() {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'piste-build-'));
  dirs.push(root);
  for (const dir of ['bin', 'collector/db', 'dist/collector']) fs.mkdirSync(path.join(root, dir), { recursive: true });
  fs.copyFileSync(MODULE, path.join(root, 'bin/build-current.mjs'));
  const files = { source: 'collector/db/sqlite.ts', test: 'collector/db/sqlite.test.ts', tsx: 'collector/db/page.test.tsx', built: 'dist/collector/cli.js' };
  for (const file of Object.values(files)) fs.writeFileSync(path.join(root, file), '');
  const at = (file: keyof typeof files, seconds: number) => fs.utimesSync(path.join(root, files[file]), seconds, seconds);
  const current = async () => {
    const url = `${pathToFileURL(path.join(root, 'bin/build-current.mjs')).href}?${Math.random()}`;
    return ((await import(url)) as { buildIsCurrent(): boolean }).buildIsCurrent();
  };
  return { at, current, root };
}

describe('buildIsCurrent', () => {
  it('is true when the build is at least as new as every source', async () => {
    const p = project();
    for (const f of ['source', 'test', 'tsx'] as const) p.at(f, 1000);
    p.at('built', 1000);
    expect(await p.current()).toBe(true);
  });

  it('is false once a source is newer than the build, so the CLI runs the sources', async () => {
    const p = project();
    p.at('built', 1000);
    for (const f of ['test', 'tsx'] as const) p.at(f, 900);
    p.at('source', 1001);
    expect(await p.current()).toBe(false);
  });

  it('ignores tests, which the build leaves out', async () => {
    const p = project();
    p.at('source', 900);
    p.at('built', 1000);
    p.at('test', 2000);
    p.at('tsx', 2000);
    expect(await p.current()).toBe(true);
  });

  it('is false when there is no build', async () => {
    const p = project();
    fs.rmSync(path.join(p.root, 'dist/collector/cli.js'));
    expect(await p.current()).toBe(false);
  });
});
