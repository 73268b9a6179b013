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
});
