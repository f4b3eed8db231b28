// The benchmark's baseline: a no-op Hono POST route parsing the body as POST /e does (text, JSON.parse), answering 202.
// Run as a child process (`node --import tsx bench/baseline.ts`); it prints the port it listens on (PORT, 0 → any).
import { serve } from '@hono/node-server';
import { Hono } from 'hono';

const app = new Hono();
app.post('/e', async (c) => {
  const body = JSON.parse(await c.req.text()) as { events?: unknown[] };
  return c.json({ accepted: body.events?.length ?? 0, duplicates: 0 }, 202);
});
app.onError((_err, c) => c.json({ error: { code: 'invalid_json', message: 'The body is not valid JSON.' } }, 400));

const server = serve({ fetch: app.fetch, port: Number(process.env.PORT ?? 0) }, (info) => {
  console.log(`baseline listening on http://localhost:${info.port}`);
});
process.once('SIGTERM', () => server.close(() => process.exit(0)));
