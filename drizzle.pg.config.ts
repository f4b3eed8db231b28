// drizzle-kit config for the PostgreSQL schema: `npx drizzle-kit generate --config drizzle.pg.config.ts`.
import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: './collector/db/schema.pg.ts',
  out: './collector/db/migrations/pg',
});
