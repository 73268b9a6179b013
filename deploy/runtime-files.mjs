// npm run build:runtime [folder]: copies into one folder (default runtime/) what `node dist/server.js`
// and the migration command load, as @vercel/nft's trace of them finds it, plus the files they read
// by a path it cannot follow (the migrations). The Docker image's runtime stage holds this folder and
// nothing else; test/runtime-files.test.ts starts the service from it.
import { cpSync, lstatSync, mkdirSync, readlinkSync, rmSync, symlinkSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { nodeFileTrace } from '@vercel/nft';

const root = resolve(dirname(new URL(import.meta.url).pathname), '..');
const out = resolve(root, process.argv[2] ?? 'runtime');

const { fileList, warnings } = await nodeFileTrace(['dist/server.js', 'dist/db/migrate-cli.js'], {
  base: root,
  processCwd: root,
});
const files = [
  ...fileList,
  'package.json',
  // Listed at start from their folder (src/db/migrate.ts), which no trace can see.
  'prisma/sqlite/migrations',
  'prisma/postgresql/migrations',
  // The dashboard's static files, served from their folder (src/plugins/dashboard.ts).
  'dist/ui',
  // Found by require.resolve and read when /redoc asks for it (src/plugins/docs.ts).
  'node_modules/redoc/package.json',
  'node_modules/redoc/bundles/redoc.standalone.js',
];

rmSync(out, { recursive: true, force: true });
for (const file of files) {
  const from = join(root, file);
  const to = join(out, file);
  mkdirSync(dirname(to), { recursive: true });
  // npm links some packages' binaries; the trace lists a link and its target, and the link stays a link.
  if (lstatSync(from).isSymbolicLink()) symlinkSync(readlinkSync(from), to);
  else cpSync(from, to, { recursive: true });
}
for (const warning of warnings) console.warn(`trace: ${warning.message}`);
console.log(`${files.length} files and folders copied to ${relative(root, out) || '.'}`);
