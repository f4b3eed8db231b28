// drizzle-kit config for the SQLite schema: `npx drizzle-kit generate --config drizzle.sqlite.config.ts`.
import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'sqlite',
  schema: './collector/db/schema.sqlite.ts',
  out: './collector/db/migrations/sqlite',
});
