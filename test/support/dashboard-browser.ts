import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import type { FastifyInstance } from 'fastify';

// Debian's chromium (.ci/run installs it); without it the suites are reported as skipped, never as passed.
export const CHROMIUM = '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);
export const SCREENSHOTS = new URL('../../test-output/ui/', import.meta.url);
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

/** Chromium for one describe block: launched before its tests, closed after them. */
export function useChromium(): () => Browser {
  let browser: Browser;
  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });
  return () => browser;
}

/**
 * One page of Chromium for a suite of journeys that build on each other: script errors and CSP
 * refusals are collected in `problems`, and a failed test leaves a full-page screenshot.
 */
export function useDashboardPage(prefix: string, enabled: boolean) {
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];
  beforeAll(async () => {
    if (!enabled) return;
    mkdirSync(SCREENSHOTS, { recursive: true });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (/Content Security Policy|Refused to/i.test(message.text())) problems.push(message.text());
    });
  }, 60_000);
  afterEach(async ({ task }) => {
    if (task.result?.state === 'fail' && page) {
      await page.screenshot({
        path: new URL(`${prefix}-failed-${task.name.slice(0, 40)}.png`, SCREENSHOTS).pathname,
        fullPage: true,
      });
    }
  });
  afterAll(async () => {
    await browser?.close();
  });
  return { page: () => page, browser: () => browser, problems };
}

/** Calls the API as the journeys' admin, expecting success: what the page did, seen through the API. */
export function apiCaller(app: () => FastifyInstance, adminKey: string) {
  return async (method: Method, url: string, payload?: unknown, key = adminKey) => {
    const res = await app().inject({
      method,
      url,
      payload: payload as object,
      headers: { authorization: `Bearer ${key}` },
    });
    expect(res.statusCode, `${method} ${url}: ${res.body}`).toBeLessThan(300);
    return res.statusCode === 204 ? undefined : res.json();
  };
}

/**
 * Every page, in the dark and the light scheme: no serious or critical axe-core violation (colour
 * contrast included), nothing wider than a 375 px phone, and a screenshot at 1280 and 375 px in each
 * (CI keeps test-output/ as artefacts), named `${prefix}-${name}-${scheme}-${desktop|mobile}.png`.
 */
export async function checkPage(on: Page, prefix: string, name: string) {
  await on.evaluate(AXE);
  const schemes = ['dark', 'light'] as const;
  const shoot = (colorScheme: string, width: string) =>
    on.screenshot({
      path: new URL(`${prefix}-${name}-${colorScheme}-${width}.png`, SCREENSHOTS).pathname,
      fullPage: true,
    });
  for (const colorScheme of schemes) {
    await on.emulateMedia({ colorScheme });
    // Expressions run in the page (typed here without the DOM library, which the service's code must not see).
    const result = (await on.evaluate('axe.run()')) as {
      violations: { id: string; impact: string; help: string; nodes: { target: string[] }[] }[];
    };
    const serious = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(
      serious.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).slice(0, 3)})`),
      `${name}, ${colorScheme}`,
    ).toEqual([]);
    await shoot(colorScheme, 'desktop');
  }
  await on.setViewportSize({ width: 375, height: 800 });
  // Tables become cards on a phone: nothing, a table included, may make the page scroll sideways.
  const sticking = await on.evaluate(`[...document.querySelectorAll('body *')]
    .filter((e) => e.getBoundingClientRect().right > 376)
    .map((e) => e.tagName.toLowerCase() + '.' + e.className)
    .slice(0, 5)`);
  expect(
    await on.evaluate('document.documentElement.scrollWidth'),
    `${name} at 375 px: ${sticking}`,
  ).toBeLessThanOrEqual(375);
  for (const colorScheme of schemes) {
    await on.emulateMedia({ colorScheme });
    await shoot(colorScheme, 'mobile');
  }
  await on.setViewportSize({ width: 1280, height: 900 });
}
