// drizzle-kit config for the PostgreSQL schema: `npx drizzle-kit generate --config drizzle.pg.config.ts`,
// then `sed -i 's/"public"\.//g' collector/db/migrations/pg/*.sql` so the tables go to the connection's search_path
// (a deployment's own schema, a test's fresh one) instead of always `public` (test/pg-repository.test.ts checks it).
import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: './collector/db/schema.pg.ts',
  out: './collector/db/migrations/pg',
});
