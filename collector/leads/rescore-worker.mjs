// Entry of rescore's worker thread: registers tsx as bin/piste.mjs does, then runs the TypeScript worker.
import { register } from 'tsx/esm/api';

register();
await import('./rescore-worker.ts');
