// Builds the browser script: dist/piste.js (script tag, minified IIFE), dist/piste.mjs + dist/piste.d.ts (ESM),
// and prints each file's gzip -9 and brotli size, since size is a feature (budget: 2048 B gzip for piste.js).
// Also compiles the collector to plain JavaScript under dist/collector (bin/piste.mjs runs it when it is up to date):
// no TypeScript loader thread in the server (≈ 36 MB of RSS) and faster command start-up.
import { cpSync, readFileSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import terser from '@rollup/plugin-terser';
import typescript from '@rollup/plugin-typescript';

const ts = () =>
  typescript({
    tsconfig: false,
    include: ['sdk/**/*.ts'],
    exclude: ['sdk/**/*.test.ts'],
    compilerOptions: {
      target: 'ES2021',
      module: 'ESNext',
      moduleResolution: 'Bundler',
      lib: ['ES2022', 'DOM', 'DOM.Iterable'],
      strict: true,
      isolatedModules: true,
      skipLibCheck: true,
      types: [],
    },
  });

const minify = () =>
  terser({
    ecma: 2021,
    compress: { passes: 3, pure_getters: true, unsafe_arrows: true, unsafe_methods: true, toplevel: true, booleans_as_integers: true, keep_fargs: false },
    mangle: { toplevel: true },
    format: { comments: false },
  });

export function gzipSize(buffer) {
  return gzipSync(buffer, { level: 9 }).length;
}

const sizes = () => ({
  name: 'piste-sizes',
  writeBundle(options, bundle) {
    for (const fileName of Object.keys(bundle)) {
      const buffer = readFileSync(`${options.dir ?? 'dist'}/${fileName}`);
      const brotli = brotliCompressSync(buffer, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
      console.log(
        `dist/${fileName}: ${buffer.length} B, gzip -9 ${gzipSize(buffer)} B, brotli ${brotli} B`,
      );
    }
  },
});

// The hand-written public types, shipped beside the ESM build.
const declarations = () => ({
  name: 'piste-declarations',
  generateBundle() {
    this.emitFile({ type: 'asset', fileName: 'piste.d.ts', source: readFileSync('sdk/piste.d.ts', 'utf8') });
  },
});

// The collector: one module per source file (relative paths and import.meta.url keep working), packages external.
const collectorTs = () =>
  typescript({
    tsconfig: false,
    include: ['collector/**/*.ts', 'collector/**/*.tsx'],
    exclude: ['collector/**/*.test.ts', 'collector/**/*.test.tsx'],
    compilerOptions: {
      target: 'ES2022',
      module: 'ESNext',
      moduleResolution: 'Bundler',
      lib: ['ES2022', 'ES2024.SharedMemory', 'DOM', 'DOM.Iterable'],
      types: ['node'],
      strict: true,
      isolatedModules: true,
      skipLibCheck: true,
      esModuleInterop: true,
      resolveJsonModule: true,
      jsx: 'react-jsx',
      jsxImportSource: 'hono/jsx',
    },
  });

// Files the collector reads beside its modules: migrations, the dashboard's CSS and the WAL checkpointer's worker.
const collectorAssets = () => ({
  name: 'piste-collector-assets',
  writeBundle() {
    for (const dir of ['db/migrations', 'dashboard/static']) cpSync(`collector/${dir}`, `dist/collector/${dir}`, { recursive: true });
    cpSync('collector/db/checkpoint-worker.mjs', 'dist/collector/db/checkpoint-worker.mjs'); // plain JavaScript: copied as it is
  },
});

export default [
  {
    input: 'sdk/index.ts',
    output: { dir: 'dist', entryFileNames: 'piste.js', format: 'iife', strict: false },
    plugins: [ts(), minify(), sizes()],
  },
  {
    input: 'sdk/esm.ts',
    output: { dir: 'dist', entryFileNames: 'piste.mjs', format: 'es' },
    plugins: [ts(), minify(), declarations(), sizes()],
  },
  {
    input: { cli: 'collector/cli.ts', 'leads/rescore-worker': 'collector/leads/rescore-worker.ts' },
    output: { dir: 'dist/collector', format: 'es', preserveModules: true, preserveModulesRoot: 'collector', entryFileNames: '[name].js' },
    external: (id) => !id.startsWith('.') && !isAbsolute(id) && !id.startsWith('\0'),
    plugins: [collectorTs(), collectorAssets()],
  },
];
