// Whether dist/collector (made by `npm run build`) is at least as new as every file under collector/ but the tests (which
// the build leaves out): bin/piste.mjs runs the build then, else the TypeScript sources through tsx; the bench builds
// first, so it never times the sources.
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

const sources = fileURLToPath(new URL('../collector', import.meta.url));
/** The build's entry point. */
export const built = new URL('../dist/collector/cli.js', import.meta.url);

const TEST = /\.test\.tsx?$/;

/** Newest modification time under `dir` (milliseconds), tests excluded. */
function newest(dir) {
  let latest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const file = `${dir}/${entry.name}`;
    if (entry.isDirectory()) latest = Math.max(latest, newest(file));
    else if (!TEST.test(entry.name)) latest = Math.max(latest, fs.statSync(file).mtimeMs);
  }
  return latest;
}

export function buildIsCurrent() {
  try {
    return fs.statSync(built).mtimeMs >= newest(sources);
  } catch {
    return false; // not built
  }
}
