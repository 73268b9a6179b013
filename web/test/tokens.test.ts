import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const read = (name: string) => readFileSync(new URL(`../src/${name}`, import.meta.url), 'utf8');
/** Every stylesheet but the tokens themselves. */
const STYLESHEETS = readdirSync(new URL('../src/', import.meta.url)).filter(
  (name) => name.endsWith('.css') && name !== 'tokens.css',
);
const withoutComments = (css: string) => css.replace(/\/\*[\s\S]*?\*\//g, '');

describe('the visual system', () => {
  it('names every length and colour in tokens.css, so no stylesheet holds a one-off pixel value', () => {
    expect(STYLESHEETS).toEqual(expect.arrayContaining(['styles.css', 'components.css', 'charts.css']));
    const oneOff = STYLESHEETS.flatMap((file) =>
      withoutComments(read(file))
        .split('\n')
        .map((line, i) => ({ file, line: line.trim(), number: i + 1 })),
    )
      // A media query cannot read a custom property: its one breakpoint (600px: tables become cards) is written out.
      .filter(({ line }) => !line.startsWith('@media'))
      .filter(({ line }) => /(^|[^\w-])\d*\.?\d+(px|rem)\b|#[0-9a-f]{3,8}\b|\brgba?\(|\bhsla?\(/i.test(line));
    expect(oneOff).toEqual([]);
    // The check itself catches what it looks for.
    expect(/(^|[^\w-])\d*\.?\d+(px|rem)\b/.test('padding: 7px')).toBe(true);
  });

  it('keeps lengths out of the components: their inline styles place data (a share in %), nothing else', () => {
    const components = readdirSync(new URL('../src/', import.meta.url), { recursive: true, encoding: 'utf8' }).filter(
      (name) => name.endsWith('.tsx'),
    );
    expect(components.length).toBeGreaterThan(10);
    const sized = components.flatMap((file) =>
      [...read(file).matchAll(/style=\{\{([^}]*)\}\}/g)]
        .map((m) => m[1])
        .filter((style) => /\d(px|rem|em)\b|#[0-9a-f]{3,8}\b/i.test(style))
        .map((style) => `${file}: ${style}`),
    );
    expect(sized).toEqual([]);
  });

  it('uses only tokens that tokens.css defines', () => {
    const defined = new Set([...read('tokens.css').matchAll(/(--[\w-]+):/g)].map((m) => m[1]));
    const used = new Set(
      STYLESHEETS.flatMap((file) => [...read(file).matchAll(/var\((--[\w-]+)\)/g)].map((m) => m[1])),
    );
    expect([...used].filter((name) => !defined.has(name))).toEqual([]);
  });

  it('gives the dark palette every colour the light one has', () => {
    const tokens = withoutComments(read('tokens.css'));
    const dark = tokens.slice(tokens.indexOf('prefers-color-scheme: dark'));
    const light = tokens.slice(0, tokens.indexOf('@media'));
    const colours = (css: string) => [...css.matchAll(/(--[\w-]+):\s*#/g)].map((m) => m[1]).sort();
    expect(colours(dark)).toEqual(colours(light));
  });
});
