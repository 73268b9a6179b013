import { accessSync, constants, statSync } from 'node:fs';
import { ServiceUnavailableError } from '../errors.js';

/**
 * An open SQLite handle keeps working on its inode after the file at its path is deleted, moved
 * away or made unreadable (a volume swapped, a careless `rm`, wrong permissions after a restore).
 * Writes would then land in a file nobody will ever open again, so they, and the health check,
 * first make sure the path still names the file this process opened and that it may use it.
 */
export function sqliteFileGuard(path: string): () => void {
  const opened = statSync(path);
  return () => {
    try {
      accessSync(path, constants.R_OK | constants.W_OK);
      const current = statSync(path);
      if (current.ino === opened.ino && current.dev === opened.dev) return;
    } catch {
      // Missing or not accessible: reported below like a replaced file.
    }
    throw new ServiceUnavailableError('The database file is missing, replaced or not accessible; try again shortly');
  };
}

/** Throws when a write must not be attempted (see sqlite-file-guard.ts). */
export type WriteGuard = () => void;
