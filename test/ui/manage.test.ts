import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { backends } from '../helpers.js';
import { ManualClock } from '../support/manual-clock.js';
import { useTestServer } from '../support/test-app.js';
import { startReceiver } from '../support/webhook-receiver.js';
import { apiCaller, checkPage, hasChromium, useDashboardPage } from '../support/dashboard-browser.js';

const ADMIN = 'dashboard-manage-admin-key-0123456789';
const DAY_MS = 86_400_000;
// The instance's polls (revision, schedules, webhook deliveries) run when the test moves the clock this far.
const POLL_MS = 3_600_000;

/**
 * The pages that make the dashboard whole: the first-run guide, projects (with flags as code),
 * environments, one flag's promotion, webhooks with their deliveries, and the flag list's facts.
 * Each journey builds on the one before, on SQLite and on PostgreSQL.
 */
describe.skipIf(!hasChromium).each(backends)('managing the service in the dashboard, on $name', (backend) => {
  const clock = new ManualClock(Date.now());
  const server = useTestServer(
    {
      clock,
      env: {
        ADMIN_API_KEY: ADMIN,
        RATE_LIMIT_WRITES: '0',
        RATE_LIMIT_EVALUATIONS: '0',
        SNAPSHOT_POLL_MS: String(POLL_MS),
        WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
      },
    },
    backend,
  );
  const test = it.skipIf(!backend.available);
  const call = apiCaller(server.app, ADMIN);
  const browser = useDashboardPage(`${backend.name}-manage`, backend.available);
  let page: ReturnType<typeof browser.page>;
  beforeEach(() => {
    page = browser.page();
  });
  const check = (name: string) => checkPage(page, backend.name, name);
  const nav = (name: string) => page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name }).click();
  const toast = (text: RegExp) => page.getByLabel('Notifications').getByText(text).waitFor();
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  beforeAll(async () => {
    receiver = await startReceiver();
  });
  afterAll(() => receiver?.close());

  test('guides a first run in five steps whose curl commands work as shown, the secret shown once', async () => {
    await page.goto(`${server.baseUrl()}/ui/`);
    await page.getByText('Sign in with an API key instead').click();
    await page.getByLabel('API key').fill(ADMIN);
    await page.getByRole('button', { name: 'Sign in with the key' }).click();
    // A project without flags says what to do next.
    await page.getByText('No flags in Default yet').waitFor();
    await page.getByRole('link', { name: 'Start the five-step guide' }).click();
    await page.getByRole('heading', { name: 'Get started in Production' }).waitFor();

    await page.getByRole('button', { name: 'Create server key' }).click();
    const secret = (await page.getByTestId('guide-secret').textContent())!;
    await toast(/Key quick-start created/);
    const [key] = (await call('GET', '/api-keys')).filter((k: { name: string }) => k.name === 'quick-start');
    expect(key).toMatchObject({ scope: 'server', project: 'default', environment: 'production' });
    const snippet = (step: number, tool: 'curl' | 'OpenFeature (Node)') =>
      page
        .getByRole('listitem')
        .filter({ has: page.getByRole('heading', { name: new RegExp(`^${step}\\. `) }) })
        .locator('figure')
        .filter({ hasText: tool })
        .locator('pre')
        .textContent() as Promise<string>;
    const keySnippet = await snippet(1, 'curl');
    expect(keySnippet).toContain(secret);

    await page.getByRole('button', { name: 'Create flag' }).click();
    await toast(/Flag new_checkout created/);
    expect(await snippet(2, 'OpenFeature (Node)')).toContain("getBooleanValue('new_checkout'");
    await page.getByRole('button', { name: 'Turn on for them' }).click();
    await toast(/new_checkout is on for country = DE/);
    await page.getByRole('button', { name: 'Roll out' }).click();
    await toast(/new_checkout reaches 10% of users/);
    await page.getByRole('button', { name: 'Create and start the experiment' }).click();
    await page.getByRole('link', { name: 'new_checkout_test' }).waitFor();
    expect(await call('GET', '/projects/default/environments/production/flags/new_checkout')).toMatchObject({
      status: true,
      rollout_percentage: 10,
      rules: [{ conditions: [{ attribute: 'country', operator: 'equals', value: 'DE' }], rollout_percentage: 100 }],
    });
    expect(await call('GET', '/experiments/new_checkout_test')).toMatchObject({ status: 'running' });
    await check('guide');

    // The commands on the page run as they are, with the secret the first step printed.
    // Asynchronously: the server answering the commands runs in this very process.
    const shell = async (script: string) =>
      (await promisify(execFile)('bash', ['-c', script], { encoding: 'utf8', timeout: 30_000 })).stdout;
    const exports = keySnippet.split('\n').slice(0, 2).join('\n');
    const ruled = JSON.parse(await shell(`${exports}\n${await snippet(3, 'curl')}`));
    expect(ruled).toMatchObject({ flag_name: 'new_checkout', enabled: true, reason: 'RULE_MATCH' });
    const tracked = JSON.parse(
      await shell(`${exports}\n${(await snippet(5, 'curl')).split('\n').slice(0, 2).join('\n')}`),
    );
    expect(tracked).toMatchObject({ accepted: 1 });

    // Left and opened again, the guide no longer holds the secret.
    await nav('Flags');
    await page.getByRole('link', { name: 'Get started' }).click();
    await page.getByRole('heading', { name: 'Get started in Production' }).waitFor();
    expect(await page.getByText(secret).count()).toBe(0);
    expect(await snippet(1, 'curl')).toContain('<the secret shown when the key was created>');
  }, 90_000);

  test('shows each flag’s kind, last evaluation and staleness, filters by kind and tag, and sorts', async () => {
    await call('POST', '/projects/default/flags', { flag_name: 'ops_valve', kind: 'operational', tags: ['ops'] });
    await call('POST', '/projects/default/flags', { flag_name: 'web_banner', tags: ['web'] });
    await call('GET', '/users/u1/flags/web_banner');
    // Past an operational flag's 7 days; the minute's flush records the evaluation.
    await clock.advance(8 * DAY_MS);
    await call('GET', '/users/u1/flags/web_banner');
    await clock.advance(60_000);
    await nav('Flags');
    const row = (name: string) => page.getByRole('listitem').filter({ has: page.getByRole('link', { name }) });
    await expect.poll(() => row('ops_valve').textContent()).toMatch(/operational.*never evaluated in Production/);
    expect(await row('ops_valve').textContent()).toMatch(
      /stale: an operational flag is expected to live 7 days; this one is 8 days old/,
    );
    expect(await row('web_banner').textContent()).toMatch(/release.*evaluated /);
    await page.getByLabel('Kind').selectOption('operational');
    await expect.poll(() => page.getByText(/^\d+ of \d+ flags$/).textContent()).toBe('1 of 3 flags');
    await page.getByLabel('Kind').selectOption('');
    await row('web_banner').getByRole('button', { name: 'web' }).click();
    await expect.poll(() => page.getByText(/^\d+ of \d+ flags$/).textContent()).toBe('1 of 3 flags');
    const tagFilter = page.getByRole('combobox', { name: /^Tag/ });
    expect(await tagFilter.inputValue()).toBe('web');
    await tagFilter.selectOption('');
    await page.getByLabel('Sort by').selectOption('evaluated');
    const names = () => page.getByRole('list', { name: 'Flags' }).getByRole('link').allTextContents();
    await expect.poll(names).toEqual(['web_banner', 'new_checkout', 'ops_valve']);
    await page.getByLabel('Sort by').selectOption('name');
    await expect.poll(names).toEqual(['new_checkout', 'ops_valve', 'web_banner']);
    await check('flags-facts');
  }, 60_000);

  test('promotes one flag between environments after showing its diff', async () => {
    await page.getByRole('link', { name: 'new_checkout' }).click();
    // The flag's page says what it is for and when it was last evaluated here, as the list does.
    await expect.poll(() => page.locator('.flag-facts').textContent()).toMatch(/^experiment.*evaluated/);
    await page.getByText('Promote between environments').click();
    await page.getByRole('combobox', { name: /^From/ }).selectOption('production');
    await page.getByRole('combobox', { name: /^To/ }).selectOption('development');
    await page.getByRole('button', { name: 'Compare' }).click();
    const diff = page.locator('details', { hasText: 'Promote between environments' }).locator('table.diff');
    await diff.getByRole('rowheader', { name: 'rollout_percentage' }).waitFor();
    expect(await diff.textContent()).toMatch(/status.*false.*true/);
    await page.getByRole('button', { name: 'Promote new_checkout to Development' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Promote to Development' }).click();
    await toast(/new_checkout promoted to Development/);
    expect(await call('GET', '/projects/default/environments/development/flags/new_checkout')).toMatchObject({
      status: true,
      rollout_percentage: 10,
    });
    await check('flag-promote');
  }, 60_000);

  test('adds, renames, moves and deletes environments, deleting only once the key is typed', async () => {
    await nav('Environments');
    await page.getByLabel('Name', { exact: true }).fill('Staging');
    await page.getByLabel('Key', { exact: true }).fill('staging');
    await page.getByLabel('Flags start').selectOption('production');
    await page.getByRole('button', { name: 'Add environment' }).click();
    await toast(/Environment Staging created/);
    // Copied from production, and listed in the header at once.
    expect(await call('GET', '/projects/default/environments/staging/flags/new_checkout')).toMatchObject({
      status: true,
    });
    await page.getByRole('banner').getByLabel('Environment').locator('option', { hasText: 'Staging' }).waitFor({
      state: 'attached',
    });
    await page.getByRole('button', { name: 'Move Staging up' }).click();
    await expect
      .poll(async () => (await call('GET', '/projects/default')).environments.map((e: { key: string }) => e.key))
      .toEqual(['development', 'staging', 'production']);
    await page.getByRole('button', { name: 'Rename Staging' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Pre-production');
    await page.getByLabel('Key', { exact: true }).fill('preprod');
    await page.getByRole('button', { name: 'Save environment' }).click();
    await toast(/Environment Pre-production saved/);
    await page.getByRole('button', { name: 'Delete Pre-production' }).click();
    const dialog = page.getByRole('dialog');
    const confirm = dialog.getByRole('button', { name: 'Delete environment' });
    expect(await confirm.isDisabled()).toBe(true);
    await dialog.getByLabel('Type preprod to confirm').fill('preprod');
    await check('environments-manage');
    await confirm.click();
    await toast(/Environment Pre-production deleted/);
    expect((await call('GET', '/projects/default')).environments.map((e: { key: string }) => e.key)).toEqual([
      'development',
      'production',
    ]);
  }, 60_000);

  test('creates, configures, exports, imports (diff first) and deletes a project', async () => {
    await nav('Projects');
    const form = page.locator('details', { hasText: 'New project' });
    await form.getByText('New project').click();
    await form.getByLabel('Key (used in paths and API keys)').fill('mobile');
    await form.getByLabel('Name', { exact: true }).fill('Mobile');
    await page.getByRole('button', { name: 'Create project' }).click();
    await toast(/Project Mobile created/);
    // The header works in the new project at once.
    await expect.poll(() => page.getByRole('banner').getByLabel('Project').inputValue()).toBe('mobile');
    const settings = page.getByRole('region', { name: 'Mobile: settings' });
    await settings.getByLabel('Name').fill('Mobile apps');
    await settings.getByLabel('Days before a verdict').fill('14');
    await settings.getByRole('button', { name: 'Save project' }).click();
    await toast(/Mobile apps saved/);
    expect(await call('GET', '/projects/mobile')).toMatchObject({
      name: 'Mobile apps',
      experiment_settings: { min_days: 14, sequential: true, min_users_per_variant: 100 },
    });

    // Export the default project, and import it into this one: the diff first, then applied.
    await page.getByRole('button', { name: 'Work in Default' }).click();
    await expect.poll(() => page.getByRole('banner').getByLabel('Project').inputValue()).toBe('default');
    const downloading = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export as YAML' }).click();
    const download = await downloading;
    expect(download.suggestedFilename()).toBe('default.yaml');
    const yaml = readFileSync((await download.path())!, 'utf8');
    expect(yaml).toMatch(/flag_name: new_checkout/);
    await page.getByRole('button', { name: 'Work in Mobile apps' }).click();
    await expect.poll(() => page.getByRole('banner').getByLabel('Project').inputValue()).toBe('mobile');
    // An import goes into the project it is made in, whatever project the document came from.
    await page.getByLabel('Or paste it').fill(yaml);
    await page.getByRole('button', { name: 'Preview import' }).click();
    const changes = page.getByRole('list', { name: 'Changes the import makes' });
    await changes.getByText('flag new_checkout').waitFor();
    expect(await call('GET', '/projects/mobile/flags')).toMatchObject({ flags: [] });
    await check('projects');
    await page.getByRole('button', { name: 'Apply import' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Apply import' }).click();
    await toast(/Import applied/);
    expect(await call('GET', '/projects/mobile/environments/production/flags/new_checkout')).toMatchObject({
      status: true,
      rollout_percentage: 10,
    });

    await page.getByRole('button', { name: 'Delete Mobile apps' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Type mobile to confirm').fill('mobile');
    await dialog.getByRole('button', { name: 'Delete project' }).click();
    await toast(/Project Mobile apps deleted/);
    expect((await call('GET', '/projects')).map((p: { key: string }) => p.key)).toEqual(['default']);
    // The header moved to a project that exists.
    await expect.poll(() => page.getByRole('banner').getByLabel('Project').inputValue()).toBe('default');
  }, 90_000);

  test('creates a webhook, pings it, shows each delivery’s request and answer, retries, pauses, edits and deletes it', async () => {
    await nav('Webhooks');
    await page.getByText('No webhook yet').waitFor();
    await page.getByLabel('URL').fill(receiver.url('/flags'));
    await page.getByLabel('Flag promoted').check();
    await page.getByRole('button', { name: 'Create webhook' }).click();
    const secret = await page.getByTestId('webhook-secret').textContent();
    expect(secret).toMatch(/^whsec_/);
    const [hook] = await call('GET', '/webhooks');
    expect(hook).toMatchObject({ project: 'default', enabled: true, events: ['flag.updated', 'flag.promoted'] });

    await page.getByRole('button', { name: 'Send test ping' }).click();
    await toast(/Test ping sent/);
    await clock.advance(POLL_MS);
    await receiver.waitFor(1);
    await page.getByRole('button', { name: 'Deliveries', exact: true }).click();
    const deliveries = page.getByRole('list', { name: 'Deliveries' });
    await expect.poll(() => deliveries.textContent()).toMatch(/webhook\.ping: delivered/);
    await deliveries.getByText('Request and answer').first().click();
    expect(await deliveries.locator('pre').first().textContent()).toContain('"type": "webhook.ping"');
    expect(await deliveries.locator('pre').nth(1).textContent()).toBe('ok');
    await deliveries.getByRole('button', { name: 'Retry' }).first().click();
    await toast(/Delivery sent again/);
    await clock.advance(POLL_MS);
    await receiver.waitFor(2);
    expect(receiver.received[1].headers['webhook-id']).toBe(receiver.received[0].headers['webhook-id']);
    await check('webhooks');

    await page.getByRole('button', { name: 'Pause' }).click();
    await toast(/Webhook paused/);
    expect((await call('GET', `/webhooks/${hook.id}`)).enabled).toBe(false);
    await page.getByRole('button', { name: 'Edit' }).click();
    await page.getByLabel('Flag created').check();
    await page.getByRole('button', { name: 'Save webhook' }).click();
    await toast(/Webhook saved/);
    expect((await call('GET', `/webhooks/${hook.id}`)).events).toEqual([
      'flag.updated',
      'flag.promoted',
      'flag.created',
    ]);
    await page.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete webhook' }).click();
    await page.getByText('No webhook yet').waitFor();
    expect(await call('GET', '/webhooks')).toEqual([]);
    expect(browser.problems).toEqual([]);
  }, 60_000);
});
