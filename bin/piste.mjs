#!/usr/bin/env node
// The `piste` command: registers tsx so the TypeScript CLI runs without a build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../collector/cli.ts');
const code = await main(process.argv.slice(2));
// `serve` keeps the process alive through its server; other commands end here.
if (code !== 0 || process.argv[2] !== 'serve') process.exitCode = code;
