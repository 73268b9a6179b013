import { describe, expect, it } from 'vitest';
import { ago } from '../src/logic/ago.js';

describe('ago', () => {
  const now = Date.parse('2026-12-07T12:00:00Z');
  it('says how long ago in the largest whole unit', () => {
    expect(ago('2026-12-07T11:59:30Z', now, 'en')).toBe('this minute');
    expect(ago('2026-12-07T11:55:00Z', now, 'en')).toBe('5 minutes ago');
    expect(ago('2026-12-07T09:10:00Z', now, 'en')).toBe('2 hours ago');
    expect(ago('2026-12-06T11:00:00Z', now, 'en')).toBe('yesterday');
    expect(ago('2026-11-07T12:00:00Z', now, 'en')).toBe('30 days ago');
  });
  it('reads a time a little ahead of this clock as now', () => {
    expect(ago('2026-12-07T12:00:05Z', now, 'en')).toBe('this minute');
  });
  it('speaks the given language', () => {
    expect(ago('2026-12-07T09:00:00Z', now, 'de')).toBe('vor 3 Stunden');
  });
});
