// Lets `prisma migrate status` / `prisma migrate deploy` on a machine that can fetch Prisma's
// schema engine look at the same schema, migrations and database as the service.
// The service itself never needs that engine: it applies these migrations itself (src/db/migrate.ts).
import { defineConfig } from 'prisma/config';

const url = process.env.DATABASE_URL ?? 'file:./data/flags.db';
const provider = /^postgres(ql)?:\/\//.test(url) ? 'postgresql' : 'sqlite';

export default defineConfig({
  schema: `prisma/${provider}/schema.prisma`,
  migrations: { path: `prisma/${provider}/migrations` },
  datasource: { url },
});
