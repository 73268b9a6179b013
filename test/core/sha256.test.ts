import { hash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sha256Words } from '../../src/core/sha256.js';

// Deliberately not sha256Hex: an independent conversion checks it.
const hex = (words: Int32Array) => Array.from(words, (w) => (w >>> 0).toString(16).padStart(8, '0')).join('');

describe('sha256Words', () => {
  it('matches the FIPS 180-4 examples', () => {
    expect(hex(sha256Words('abc'))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(hex(sha256Words(''))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(hex(sha256Words('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq'))).toBe(
      '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
    );
  });

  it('agrees with node:crypto on every length around block boundaries, ASCII and not', () => {
    for (let length = 0; length <= 200; length++) {
      for (const unit of ['a', 'ü', '用', '😀']) {
        const input = unit.repeat(length).slice(0, length);
        expect(hex(sha256Words(input)), `${length} × ${unit}`).toBe(hash('sha256', input, 'hex'));
      }
    }
  });

  it('agrees with node:crypto on the longest inputs rollout sees (256-character user id, 100-character flag)', () => {
    for (const input of [
      `${'用'.repeat(256)}:${'f'.repeat(100)}`,
      `${'😀'.repeat(128)}:${'x'.repeat(100)}`,
      `\ud800lone:flag`,
    ]) {
      expect(hex(sha256Words(input))).toBe(hash('sha256', input, 'hex'));
    }
  });

  it('refuses inputs longer than its buffer instead of hashing a truncation', () => {
    expect(() => sha256Words('ü'.repeat(3000))).toThrow(RangeError);
  });
});
