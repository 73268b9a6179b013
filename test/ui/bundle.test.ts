import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { expect, it } from 'vitest';

const dist = new URL('../../dist/ui/', import.meta.url);

it('loads at most 150 KB of JavaScript (gzipped) on its first page, all from the service', () => {
  const page = readFileSync(new URL('index.html', dist), 'utf8');
  const scripts = [...page.matchAll(/<script[^>]*src="\/ui\/([^"]+)"/g)].map((m) => m[1]);
  const preloads = [...page.matchAll(/<link rel="modulepreload"[^>]*href="\/ui\/([^"]+)"/g)].map((m) => m[1]);
  expect(scripts.length).toBeGreaterThan(0);
  // Nothing from a CDN: every script and stylesheet is the service's own.
  expect(page).not.toMatch(/(src|href)="https?:/);
  const bytes = [...scripts, ...preloads].reduce(
    (sum, file) => sum + gzipSync(readFileSync(new URL(file, dist))).length,
    0,
  );
  expect(bytes).toBeLessThan(150 * 1024);
  console.log(`dashboard first page: ${(bytes / 1024).toFixed(1)} KB of JavaScript gzipped`);
});
