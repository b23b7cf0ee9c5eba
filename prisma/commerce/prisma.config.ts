/**
 * For the Prisma CLI, from prisma/: `npx prisma migrate status --config commerce/prisma.config.ts`.
 * The project itself applies migrations with src/migrate.ts and generates with scripts/generate.ts.
 * Prisma 7 resolves these paths relative to this file and takes the database URL from here.
 */
import { endpointsOf, loadStackConfig } from '@outbox/config';
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'schema.prisma',
  migrations: { path: 'migrations' },
  datasource: {
    url: process.env.COMMERCE_DATABASE_URL ?? endpointsOf(loadStackConfig(), 'admin').postgresUrl('commerce'),
  },
});
