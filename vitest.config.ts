import { defineConfig } from 'vitest/config';

// One runner for every suite: unit tests beside their code (sdk/ in happy-dom, collector/ in node)
// and cross-process / real-browser tests in test/.
export default defineConfig({
  esbuild: { jsx: 'automatic', jsxImportSource: 'hono/jsx' },
  test: {
    include: ['sdk/**/*.test.ts', 'collector/**/*.test.{ts,tsx}', 'bench/**/*.test.ts', 'demo-site/**/*.test.ts', 'test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
