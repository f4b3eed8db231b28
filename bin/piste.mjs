#!/usr/bin/env node
// The `piste` command (npx piste …). Runs the collector's build (dist/collector, `npm run build`) when it is at least as new as
// every source file; otherwise registers tsx and runs the TypeScript sources, so an edit is never hidden by an old build.
import { buildIsCurrent, built } from './build-current.mjs';

let main;
if (buildIsCurrent()) {
  ({ main } = await import(built.href));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../collector/cli.ts'));
}
const code = await main(process.argv.slice(2));
// `serve` keeps the process alive through its server; other commands end here.
if (code !== 0 || process.argv[2] !== 'serve') process.exitCode = code;
