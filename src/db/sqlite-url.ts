/** `file:./data/flags.db` → `./data/flags.db`, relative to the working directory like Prisma's URLs. */
export function sqliteFilePath(url: string): string {
  const path = url.slice('file:'.length).split('?')[0];
  if (!path) throw new Error(`DATABASE_URL "${url}" names no file`);
  return path;
}
