import { describe, expect, it } from 'vitest';
import { backends } from '../helpers.js';
import { useTestApp } from '../support/test-app.js';

describe.each(backends)('prerequisites on $name', (backend) => {
  const app = useTestApp(backend, {
    seed: async (app) => {
      for (const payload of [
        {
          flag_name: 'new_billing',
          status: true,
          variants: [
            { key: 'v1', weight: 50 },
            { key: 'v2', weight: 50 },
          ],
        },
        { flag_name: 'invoices_v2', status: true, prerequisites: [{ flag: 'new_billing' }] },
        {
          flag_name: 'invoices_pdf',
          status: true,
          prerequisites: [{ flag: 'invoices_v2' }, { flag: 'new_billing', variant: 'v2' }],
        },
      ]) {
        const res = await app.inject({ method: 'POST', url: '/flags', payload });
        expect(res.statusCode, res.body).toBe(201);
      }
    },
  });
  const inject = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: object) =>
    app().inject({ method, url, payload });
  const evaluate = async (user: string, flag: string) => (await inject('GET', `/users/${user}/flags/${flag}`)).json();

  describe.skipIf(!backend.available)('', () => {
    it('applies a flag only where its prerequisites hold for the same user, down the chain', async () => {
      let sawV1 = false;
      let sawV2 = false;
      for (let i = 0; i < 40; i++) {
        const user = `user-${i}`;
        const billing = await evaluate(user, 'new_billing');
        expect(await evaluate(user, 'invoices_v2')).toMatchObject({ enabled: true, reason: 'IN_ROLLOUT' });
        const pdf = await evaluate(user, 'invoices_pdf');
        if (billing.variant === 'v2') {
          sawV2 = true;
          expect(pdf).toMatchObject({ enabled: true, reason: 'IN_ROLLOUT' });
        } else {
          sawV1 = true;
          expect(pdf).toMatchObject({ enabled: false, reason: 'PREREQUISITE_FAILED', variant: null });
        }
      }
      expect(sawV1 && sawV2).toBe(true);

      await inject('PUT', '/flags/new_billing', { status: false });
      expect(await evaluate('user-1', 'invoices_v2')).toMatchObject({ enabled: false, reason: 'PREREQUISITE_FAILED' });
      expect(await evaluate('user-1', 'invoices_pdf')).toMatchObject({ enabled: false, reason: 'PREREQUISITE_FAILED' });
      expect((await inject('GET', '/users/user-1/flags')).json().flags).toEqual({
        invoices_pdf: false,
        invoices_v2: false,
        new_billing: false,
      });
      await inject('PUT', '/flags/new_billing', { status: true });
    });

    it('refuses cycles with a 409 that names them', async () => {
      const direct = await inject('PUT', '/flags/new_billing', { prerequisites: [{ flag: 'invoices_pdf' }] });
      expect(direct.statusCode).toBe(409);
      expect(direct.json().detail).toBe(
        'prerequisites would make a cycle: "new_billing" → "invoices_pdf" → "invoices_v2" → "new_billing"',
      );
      const self = await inject('PUT', '/flags/invoices_v2', { prerequisites: [{ flag: 'invoices_v2' }] });
      expect(self.statusCode).toBe(409);
      expect((await inject('GET', '/flags/new_billing')).json().prerequisites).toEqual([]);
    });

    it.each([
      ['an unknown flag', { prerequisites: [{ flag: 'nope' }] }, 400, /no flag named "nope"/],
      ['an unknown variant', { prerequisites: [{ flag: 'new_billing', variant: 'v9' }] }, 400, /has no variant "v9"/],
      [
        'the same flag twice',
        { prerequisites: [{ flag: 'new_billing' }, { flag: 'new_billing' }] },
        400,
        /appears twice/,
      ],
    ])('refuses %s', async (_name, changes, status, message) => {
      const res = await inject('PUT', '/flags/invoices_v2', changes);
      expect(res.statusCode).toBe(status);
      expect(res.json().detail).toMatch(message);
    });

    it('keeps what dependents rely on: no deleting a prerequisite, no removing a required variant', async () => {
      const deleted = await inject('DELETE', '/flags/new_billing');
      expect(deleted.statusCode).toBe(409);
      expect(deleted.json().detail).toMatch(/prerequisite of "invoices_pdf", "invoices_v2"/);
      const variants = await inject('PUT', '/flags/new_billing', { variants: [{ key: 'v1', weight: 100 }] });
      expect(variants.statusCode).toBe(409);
      expect(variants.json().detail).toMatch(/"invoices_pdf" requires variant "v2"/);
    });
  });
});
