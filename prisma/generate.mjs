// Generates one Prisma client per provider without Prisma's engine download.
// `prisma generate` only checks that a schema-engine binary exists (it never runs it), and the
// download host is unreachable behind many firewalls, so point it at this file when none is set.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const env = { ...process.env, PRISMA_HIDE_UPDATE_MESSAGE: '1' };
env.PRISMA_SCHEMA_ENGINE_BINARY ??= fileURLToPath(import.meta.url);

for (const provider of ['sqlite', 'postgresql']) {
  execFileSync('prisma', ['generate', '--schema', `prisma/${provider}/schema.prisma`], { stdio: 'inherit', env });
}
