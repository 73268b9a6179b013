import { describe, expect, it } from 'vitest';
import { backends } from '../helpers.js';
import { useTestServer } from '../support/test-app.js';
import { apiCaller, checkPage, hasChromium, useDashboardPage } from '../support/dashboard-browser.js';

const ADMIN = 'dashboard-accounts-admin-key-0123456789';
const PASSWORD = 'correct horse battery staple';

/**
 * People in the dashboard: an invitation link accepted, signing out and in with a password, a
 * refusal shown where it happens, and a password reset. Journeys build on each other.
 */
describe.skipIf(!hasChromium).each(backends)('people in the dashboard, on $name', (backend) => {
  const server = useTestServer(
    { env: { ADMIN_API_KEY: ADMIN, RATE_LIMIT_WRITES: '0', SNAPSHOT_POLL_MS: '3600000' } },
    backend,
  );
  const test = it.skipIf(!backend.available);
  const call = apiCaller(server.app, ADMIN);
  const browser = useDashboardPage(`${backend.name}-accounts`, backend.available);
  const check = (name: string) => checkPage(browser.page(), backend.name, name);
  let accountId = '';

  test('accepts an invitation link: a name and a password, and the person is signed in', async () => {
    const page = browser.page();
    await call('POST', '/flags', { flag_name: 'checkout' });
    const invited = await call('POST', '/accounts', { email: 'ada@example.com', name: 'Ada' });
    accountId = invited.account.id;
    await call('PUT', `/projects/default/members/${accountId}`, { role: 'viewer' });
    const url = invited.invitation.url.replace(/^http:\/\/[^/]+/, server.baseUrl());
    await page.goto(url);
    await page.getByRole('heading', { name: 'Accept your invitation' }).waitFor();
    await check('accept-invitation');
    await page.getByLabel('Name').fill('Ada Lovelace');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Accept and sign in' }).click();
    await page.getByRole('heading', { name: 'Flags', level: 1 }).waitFor();
    await page.getByText('Ada Lovelace', { exact: true }).waitFor();
    // The token is out of the address bar, and the cookie out of reach of scripts.
    expect(page.url()).not.toContain('token=');
    expect(await page.evaluate('document.cookie')).toBe('');
    expect(await page.evaluate("sessionStorage.getItem('feature-flags.api-key')")).toBeNull();
  }, 60_000);

  test('signs out, refuses a wrong password in the form, and signs in with the right one', async () => {
    const page = browser.page();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Email').waitFor();
    await check('sign-in-password');
    await page.getByLabel('Email').fill('ada@example.com');
    await page.getByLabel('Password').fill('not her password at all');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/email or the password is wrong/);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('heading', { name: 'Flags', level: 1 }).waitFor();
    await page.getByText('checkout').first().waitFor();
  }, 60_000);

  test('shows what a viewer may not do as the API refuses it', async () => {
    const page = browser.page();
    await page.getByText('New flag').click();
    await page.getByLabel('Name').fill('by_a_viewer');
    await page.getByRole('button', { name: 'Create flag' }).click();
    await expect
      .poll(() => page.getByRole('alert').allTextContents())
      .toContainEqual(expect.stringMatching(/lacks the permission "flag.write"/));
  }, 60_000);

  test('sets a new password with a reset link, which ends the other sessions', async () => {
    const page = browser.page();
    const link = await call('POST', `/accounts/${accountId}/password-reset`);
    const other = await browser.browser().newPage();
    await other.goto(link.url.replace(/^http:\/\/[^/]+/, server.baseUrl()));
    await other.getByRole('heading', { name: 'Choose a new password' }).waitFor();
    await other.getByLabel('Password').fill('a brand new passphrase');
    await other.getByRole('button', { name: 'Set the password' }).click();
    await other.getByRole('heading', { name: 'Flags', level: 1 }).waitFor();
    await other.close();
    // The first page's session ended with the reset: its next call asks to sign in again.
    await page.reload();
    await page.getByLabel('Email').waitFor();
  }, 60_000);

  test('shows a viewer their sessions and lets them make and revoke a personal token', async () => {
    const page = browser.page();
    await page.getByLabel('Email').fill('ada@example.com');
    await page.getByLabel('Password').fill('a brand new passphrase');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'People' }).click();
    await page.getByText('Owners and project admins see accounts and invite people here.').waitFor();
    await page.getByRole('table', { name: 'Your sessions' }).getByText('(this one)').waitFor();
    // A viewer sees the members, and no control to change them.
    await page.getByRole('table', { name: 'Members' }).getByText('Ada Lovelace').waitFor();
    expect(await page.getByRole('button', { name: /^Remove / }).count()).toBe(0);
    await page.getByLabel('Token name').fill('laptop');
    await page.getByRole('button', { name: 'Create token' }).click();
    const secret = (await page.getByTestId('token-secret').textContent())!;
    expect(secret).toMatch(/^ffp_/);
    const bearer = { authorization: `Bearer ${secret}` };
    expect((await server.app().inject({ method: 'GET', url: '/auth/me', headers: bearer })).statusCode).toBe(200);
    await check('people-viewer');
    await page.getByRole('button', { name: 'Revoke laptop' }).click();
    await page
      .getByRole('table', { name: 'Your personal tokens' })
      .getByText(/^revoked /)
      .waitFor();
    expect((await server.app().inject({ method: 'GET', url: '/auth/me', headers: bearer })).statusCode).toBe(401);
  }, 60_000);

  test('lets an owner invite someone, hand over the link, and give them a role in some environments', async () => {
    const owner = await browser.browser().newPage({ viewport: { width: 1280, height: 900 } });
    await owner.goto(`${server.baseUrl()}/ui/`);
    await owner.getByText('Sign in with an API key instead').click();
    await owner.getByLabel('API key').fill(ADMIN);
    await owner.getByRole('button', { name: 'Sign in with the key' }).click();
    await owner.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'People' }).click();
    await owner.getByRole('heading', { name: 'Accounts' }).waitFor();
    await owner.getByLabel('Email').fill('grace@example.com');
    await owner.getByLabel('Name', { exact: true }).fill('Grace Hopper');
    await owner.getByRole('button', { name: 'Invite' }).click();
    expect(await owner.getByTestId('link').textContent()).toMatch(/\/ui\/accept#token=/);
    const form = owner.getByRole('form', { name: 'Give a role' });
    await form.getByLabel('Person').selectOption({ label: 'Grace Hopper (grace@example.com)' });
    await form.getByLabel('Role').selectOption('editor');
    await form.getByLabel('Development').check();
    await form.getByRole('button', { name: 'Give the role' }).click();
    const row = owner.getByRole('table', { name: 'Members' }).getByRole('row').filter({ hasText: 'Grace Hopper' });
    await expect.poll(() => row.textContent()).toMatch(/editor.*development/);
    const members = await call('GET', '/projects/default/members');
    expect(members.find((m: { account: { email: string } }) => m.account.email === 'grace@example.com')).toMatchObject({
      role: 'editor',
      environments: ['development'],
    });
    await checkPage(owner, backend.name, 'people-owner');
    await owner.close();
  }, 60_000);
});
