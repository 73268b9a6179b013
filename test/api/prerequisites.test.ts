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

    it("decides each flag once per evaluation: 10 layers of 5 flags, each requiring the next layer's five", async () => {
      const layer = (n: number) => Array.from({ length: 5 }, (_, i) => `layer${n}_${i}`);
      for (let n = 9; n >= 0; n--) {
        for (const flag_name of layer(n)) {
          const prerequisites = n === 9 ? [] : layer(n + 1).map((flag) => ({ flag }));
          expect((await inject('POST', '/flags', { flag_name, status: true, prerequisites })).statusCode).toBe(201);
        }
      }
      // 5^9 paths lead from a top flag to the bottom layer; decided once each, 50 flags take no time.
      expect(await evaluate('u1', 'layer0_0')).toMatchObject({ enabled: true, reason: 'IN_ROLLOUT' });
      const all = (await inject('GET', '/users/u1/flags')).json().flags as Record<string, boolean>;
      expect(Object.entries(all).filter(([name, on]) => name.startsWith('layer') && on)).toHaveLength(50);
      // One flag off at the bottom turns every layer above off.
      await inject('PUT', '/flags/layer9_3', { status: false });
      expect(await evaluate('u1', 'layer0_4')).toMatchObject({ enabled: false, reason: 'PREREQUISITE_FAILED' });
      for (let n = 0; n <= 9; n++) for (const flag of layer(n)) await inject('DELETE', `/flags/${flag}`);
    });

    it('allows chains of 32 prerequisites, answered right, and refuses a 33rd link from either end, naming the chain', async () => {
      const chain = Array.from({ length: 33 }, (_, i) => `chain_${String(i).padStart(2, '0')}`);
      for (let i = chain.length - 1; i >= 0; i--) {
        const prerequisites = i === chain.length - 1 ? [] : [{ flag: chain[i + 1] }];
        const res = await inject('POST', '/flags', { flag_name: chain[i], status: true, prerequisites });
        expect(res.statusCode, res.body).toBe(201);
      }
      // 32 links, every flag on: on (the evaluator used to stop at 10 and answer off).
      expect(await evaluate('u1', 'chain_00')).toMatchObject({ enabled: true, reason: 'IN_ROLLOUT' });
      expect((await inject('POST', '/flags', { flag_name: 'chain_top', status: true })).statusCode).toBe(201);
      const above = await inject('PUT', '/flags/chain_top', { prerequisites: [{ flag: 'chain_00' }] });
      expect(above.statusCode).toBe(400);
      expect(above.json().errors[0]).toMatchObject({ pointer: '#/prerequisites' });
      expect(above.json().errors[0].detail).toBe(
        `would make a chain of 33 prerequisites, longer than the 32 allowed: ${['chain_top', ...chain].map((f) => `"${f}"`).join(' → ')}`,
      );
      expect((await inject('POST', '/flags', { flag_name: 'chain_bottom', status: true })).statusCode).toBe(201);
      const below = await inject('PUT', '/flags/chain_32', { prerequisites: [{ flag: 'chain_bottom' }] });
      expect(below.statusCode).toBe(400);
      expect(below.json().errors[0].detail).toMatch(
        /^would make a chain of 33 prerequisites.*"chain_32" → "chain_bottom"$/,
      );
      expect((await inject('GET', '/flags/chain_32')).json().prerequisites).toEqual([]);
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
