import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestServer } from './support/test-app.js';

// Debian's chromium (.ci/run installs it); Playwright's own browser download is not reachable here.
// Without it the suite is reported as skipped, never as passed.
const CHROMIUM = '/usr/bin/chromium';

describe.skipIf(!existsSync(CHROMIUM))('the docs render in a real browser under the Content-Security-Policy', () => {
  const server = useTestServer();
  let browser: Browser;

  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });

  async function open(path: string) {
    const page = await browser.newPage();
    const violations: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy|Refused to/i.test(message.text())) violations.push(message.text());
    });
    await page.goto(`${server.baseUrl()}${path}`);
    return { page, violations };
  }

  it('Swagger UI at /docs shows the API and its Authorize button', async () => {
    const { page, violations } = await open('/docs/');
    await page.waitForSelector('.swagger-ui .info .title', { timeout: 20_000 });
    expect(await page.textContent('.swagger-ui .info .title')).toContain('Feature Flags Service');
    await page.waitForSelector('.swagger-ui button.authorize');
    expect(await page.locator('.opblock').count()).toBeGreaterThan(5);
    // A flag's schema refers to others, and to the self-referencing JSON of a variant's payload.
    await page.locator('#operations-flags-post_flags .opblock-summary').click();
    await page.waitForSelector('#operations-flags-post_flags .model-example');
    await page.locator('#operations-flags-post_flags button[data-name="model"]').first().click();
    await page.waitForSelector('#operations-flags-post_flags .model-box');
    expect(await page.getByText(/Resolver error|Could not resolve reference/).count()).toBe(0);
    expect(violations).toEqual([]);
  }, 60_000);

  it('ReDoc at /redoc shows the API, its search worker included', async () => {
    const { page, violations } = await open('/redoc');
    await page.waitForSelector('h1', { timeout: 30_000 });
    expect(await page.textContent('h1')).toContain('Feature Flags Service');
    await page.waitForSelector('input[placeholder="Search..."]');
    expect(await page.getByText('Create a flag').count()).toBeGreaterThan(0);
    // ReDoc's "by Redocly" badge loads its logo from Redocly's CDN: blocked on purpose (nothing
    // is loaded from other hosts); everything the page needs comes from the service itself.
    expect(violations.filter((v) => !v.includes("'https://cdn.redoc.ly/"))).toEqual([]);
  }, 60_000);
});
