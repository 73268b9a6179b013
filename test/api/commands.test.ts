import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { buildApp } from '../../src/app.js';
import type { Command } from '../../src/core/commands.js';
import { loadConfig } from '../../src/config.js';
import { ConflictError, ForbiddenError, NotFoundError } from '../../src/errors.js';
import { commandSchema, type CommandJson } from '../../src/areas/commands/command-schemas.js';
import { authorise } from '../../src/areas/commands/command-pipeline.js';
import { commandHandlers } from '../../src/areas/commands/command-handlers.js';
import { ConfigSnapshot } from '../../src/read-model/config-snapshot.js';
import { systemClock } from '../../src/support/clock.js';
import { grantOf, type Grant, type Principal, type RoleKey } from '../../src/core/permissions.js';
import { backends } from '../helpers.js';
import { ManualClock } from '../support/manual-clock.js';
import { useTestAppAndDatabase } from '../support/test-app.js';

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

const ADMIN_API_KEY = 'commands-test-admin-key-0123456789abcdef';
const admin: Record<string, string> = { authorization: `Bearer ${ADMIN_API_KEY}` };

/** One command of every type, in their first public form: it must stay readable as long as the service runs. */
const storedCommands = JSON.parse(
  readFileSync(new URL('../fixtures/commands-v1.json', import.meta.url), 'utf8'),
) as CommandJson[];

describe("commands' public form", () => {
  it('has a stored example of every command type the pipeline runs', () => {
    expect(storedCommands.map((c) => c.type).sort()).toEqual(
      // Only the handlers' types are read: nothing runs.
      Object.keys(commandHandlers({ hasAdminEnvKey: true, experimentData: undefined as never })).sort(),
    );
  });

  it.each(storedCommands.map((c) => [c.type, c] as const))('%s reads and writes back unchanged', (_type, json) => {
    const command = z.decode(commandSchema, json);
    expect(z.encode(commandSchema, command)).toEqual(json);
    // Once decoded it is the core's: basis points and camelCase, never the API's units.
    expect(JSON.stringify(command)).not.toMatch(/rollout_percentage|user_ids|prepared_against|"weight"/);
  });

  it('decodes percentages into basis points, in the payload and its rules', () => {
    const command = z.decode(commandSchema, {
      type: 'flag_settings.update',
      version: 1,
      project: 'default',
      environment: 'production',
      flag: 'checkout',
      payload: { rollout_percentage: 33.33, rules: [{ conditions: [{ attribute: 'plan', operator: 'exists' }] }] },
    });
    expect(command).toEqual({
      type: 'flag_settings.update',
      project: 'default',
      environment: 'production',
      flag: 'checkout',
      payload: {
        rolloutBasisPoints: 3333,
        rules: [
          {
            segment: null,
            conditions: [{ attribute: 'plan', operator: 'exists' }],
            rolloutBasisPoints: 10_000,
            variants: [],
          },
        ],
      },
      preparedAgainst: [],
    });
  });

  it('refuses a form it does not know, naming what is wrong', () => {
    const refused = (json: unknown) => commandSchema.safeParse(json).error?.issues.map((i) => i.path.join('/'));
    const valid = storedCommands.find((c) => c.type === 'flag_settings.update')!;
    expect(refused({ ...valid, version: 2 })).toEqual(['version']);
    expect(refused({ ...valid, type: 'flag.rename' })).toEqual(['type']);
    expect(refused({ ...valid, payload: { rollout_percentage: 12.345 } })).toEqual(['payload/rollout_percentage']);
    expect(refused({ ...valid, surprise: true })).toEqual(['']);
  });
});

describe('the authorise step', () => {
  const snapshot = new ConfigSnapshot(systemClock);
  const command = z.decode(commandSchema, storedCommands[0]);
  const principal = (grants: Grant[]): Principal => ({
    keyId: 'k',
    name: 'key',
    accountId: null,
    signedInBy: 'api_key',
    grants,
    projectId: null,
    environmentId: null,
    rateLimitKey: 'k',
    described: 'This API key',
  });
  const role = (key: RoleKey, projectId: number | null = null) => principal([grantOf(key, projectId)]);

  it('lets an owner change any project', () => {
    expect(() => authorise(role('owner'), command, snapshot)).not.toThrow();
  });

  it('refuses a caller without the permission, naming it, and one that reaches no such project as if it did not exist', () => {
    expect(() => authorise(role('viewer'), command, snapshot)).toThrow(ForbiddenError);
    expect(() => authorise(role('viewer'), command, snapshot)).toThrow(/lacks the permission "segment\.write"/);
    const evaluateOnly = principal([{ projectId: null, environmentIds: [1], permissions: new Set(['flag.evaluate']) }]);
    expect(() => authorise(evaluateOnly, command, snapshot)).toThrow(ForbiddenError);
    expect(() => authorise(role('admin', 42), command, snapshot)).toThrow(NotFoundError);
  });
});

describe.each(backends)('the command pipeline on $name', (backend) => {
  // The stored examples' schedule falls due an hour after this clock's start; the scheduler checks daily,
  // so the test's own schedule.apply writes it.
  const clock = new ManualClock();
  const { app } = useTestAppAndDatabase(backend, {
    clock,
    env: {
      ADMIN_API_KEY,
      RATE_LIMIT_WRITES: '0',
      WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
      SNAPSHOT_POLL_MS: '86400000',
    },
  });
  const call = async (method: Method, url: string, payload?: unknown, headers = admin) =>
    app().inject({ method, url, payload: payload as object, headers });
  const ok = async (method: Method, url: string, payload?: unknown) => {
    const res = await call(method, url, payload);
    expect(res.statusCode, `${method} ${url}: ${res.body}`).toBeLessThan(300);
    return res.statusCode === 204 ? undefined : res.json();
  };
  const run = async (command: unknown) => {
    const res = await call('POST', '/commands', command);
    expect(res.statusCode, res.body).toBe(200);
    return res.json().result;
  };
  const problem = async (command: unknown, status: number, detail: RegExp) => {
    const res = await call('POST', '/commands', command);
    expect(res.statusCode, res.body).toBe(status);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json().detail).toMatch(detail);
  };

  describe.skipIf(!backend.available)('', () => {
    it('runs every command type, each doing what its REST request does', async () => {
      const [
        createSegment,
        createDefinition,
        createFlag,
        updateFlag,
        updateDefinition,
        updateSettings,
        updateSegment,
        deleteFlag,
        deleteSegment,
        createSchedule,
        cancelSchedule,
        applySchedule,
        createExperiment,
        startExperiment,
        stopExperiment,
        createApiKey,
        revokeApiKey,
        createWebhook,
        updateWebhook,
        deleteWebhook,
        createProject,
        updateProject,
        createEnvironment,
        updateEnvironment,
        deleteEnvironment,
        deleteProject,
        promoteFlag,
        promoteEnvironment,
        importProject,
      ] = storedCommands;
      expect(await run(createSegment)).toMatchObject({ name: 'beta', user_ids: ['user-1'], version: 1 });
      expect(await run(createDefinition)).toMatchObject({
        flag_name: 'checkout',
        environments: { development: { status: false }, production: { status: false } },
      });
      expect(await run(createFlag)).toMatchObject({
        flag_name: 'banner',
        rollout_percentage: 12.5,
        rules: [{ segment: 'beta' }],
        prerequisites: [{ flag: 'checkout' }],
      });
      expect(await run(updateFlag)).toMatchObject({
        description: 'Top banner',
        rollout_percentage: 33.33,
        overrides: [{ user_id: 'user-2', enabled: false }],
        version: 2,
      });
      expect(await run(updateDefinition)).toMatchObject({ kind: 'experiment', version: 2 });
      // Prepared against the versions it now meets: settings 1, definition 2.
      expect(await run(updateSettings)).toMatchObject({
        status: true,
        rollout_percentage: 50,
        variants: [{ weight: 20 }, { weight: 80 }],
        rules: [{ variants: [{ key: 'treatment', weight: 100 }] }],
        version: 2,
      });
      expect(await run(updateSegment)).toMatchObject({ user_ids: ['user-1', 'user-3'], version: 2 });
      expect(await run(deleteFlag)).toBeNull();
      expect((await call('GET', '/flags/banner')).statusCode).toBe(404);
      expect(await run(deleteSegment)).toBeNull();
      expect((await call('GET', '/segments/beta')).statusCode).toBe(404);

      expect(await run(createSchedule)).toMatchObject({ set: { rollout_percentage: 70 }, applied_at: null });
      // Another one, to cancel: the stored cancel names it.
      await run({ ...createSchedule, schedule: (cancelSchedule as { schedule: string }).schedule });
      expect(await run(cancelSchedule)).toBeNull();
      expect(await ok('GET', '/flags/checkout/schedules')).toHaveLength(1);
      await problem(applySchedule, 409, /is due at 2026-12-01T13:00:00.000Z; it applies itself then/);
      await clock.advance(2 * 3_600_000);
      expect(await run(applySchedule)).toBeNull();
      expect(await ok('GET', '/flags/checkout')).toMatchObject({ rollout_percentage: 70 });

      expect(await run(createExperiment)).toMatchObject({ key: 'checkout_test', status: 'draft' });
      expect(await run(startExperiment)).toMatchObject({ status: 'running', version: 2 });
      await problem(
        {
          ...stopExperiment,
          prepared_against: [{ item: 'experiment', key: 'checkout_test', environment: 'production', version: 1 }],
        },
        409,
        /experiment "checkout_test" in "production" is at version 2, not 1/,
      );
      expect(await run(stopExperiment)).toMatchObject({ status: 'stopped', version: 3 });

      const created = await run(createApiKey);
      expect(created).toMatchObject({ scope: 'evaluate', project: 'default', environment: 'production' });
      const evaluate = { authorization: `Bearer ${created.secret}` };
      expect((await call('GET', '/users/u/flags/checkout', undefined, evaluate)).statusCode).toBe(200);
      expect(await run(revokeApiKey)).toMatchObject({ revoked_at: expect.any(String) });
      expect((await call('GET', '/users/u/flags/checkout', undefined, evaluate)).statusCode).toBe(401);
      expect(await run(createWebhook)).toMatchObject({
        project: null,
        enabled: true,
        secret: expect.stringMatching(/^whsec_/),
      });
      expect(await run(updateWebhook)).toMatchObject({ enabled: false, version: 2 });
      const webhookId = (deleteWebhook as { webhook: string }).webhook;
      await problem(
        { ...deleteWebhook, prepared_against: [{ item: 'webhook', key: webhookId, version: 1 }] },
        409,
        new RegExp(`webhook "${webhookId}" is at version 2, not 1`),
      );
      expect(
        await run({ ...deleteWebhook, prepared_against: [{ item: 'webhook', key: webhookId, version: 2 }] }),
      ).toBeNull();
      expect(await ok('GET', '/webhooks')).toEqual([]);

      expect(await run(createProject)).toMatchObject({
        key: 'shop',
        environments: [{ key: 'development' }, { key: 'production' }],
      });
      await ok('POST', '/projects/shop/flags', { flag_name: 'in_shop' });
      expect(await run(updateProject)).toMatchObject({ name: 'The shop', version: 2 });
      expect(await run(createEnvironment)).toMatchObject({ key: 'staging', position: 1 });
      expect(await run(updateEnvironment)).toMatchObject({ key: 'staging', name: 'QA', position: 0 });
      expect((await ok('GET', '/projects/shop/environments')).map((e: { key: string }) => e.key)).toEqual([
        'staging',
        'development',
        'production',
      ]);
      expect(await run(deleteEnvironment)).toBeNull();
      expect(await run(deleteProject)).toBeNull();
      expect((await call('GET', '/projects/shop')).statusCode).toBe(404);

      expect(await run(promoteFlag)).toMatchObject({ from: 'production', to: 'development', applied: true });
      expect(await ok('GET', '/projects/default/environments/development/flags/checkout')).toMatchObject({
        status: true,
        rollout_percentage: 70,
      });
      // A dry run: the difference, nothing written (the two are the same now).
      expect(await run(promoteEnvironment)).toEqual({
        from: 'development',
        to: 'production',
        flags: [],
        applied: false,
      });

      expect(await run(importProject)).toMatchObject({ mode: 'merge', applied: true });
      expect(await ok('GET', '/flags/imported')).toMatchObject({
        status: true,
        rollout_percentage: 42.5,
        rules: [{ segment: 'staff' }],
      });

      // The REST reads see each change, and the audit log holds one entry per command.
      expect(await ok('GET', '/users/user-9/flags/checkout?country=DE')).toMatchObject({
        enabled: true,
        variant: 'treatment',
      });
      const audit = await ok('GET', '/audit?limit=100');
      expect(audit.entries.map((e: { action: string }) => e.action).reverse()).toEqual([
        'segment.created',
        'flag.created',
        'flag.created',
        'flag.updated',
        'flag.updated',
        'flag.updated',
        'segment.updated',
        'flag.deleted',
        'segment.deleted',
        'schedule.created',
        'schedule.created',
        'schedule.cancelled',
        'schedule.applied',
        'experiment.created',
        'experiment.started',
        'experiment.stopped',
        'api_key.created',
        'api_key.revoked',
        'webhook.created',
        'webhook.updated',
        'webhook.deleted',
        'project.created',
        'flag.created',
        'project.updated',
        'environment.created',
        'environment.updated',
        'environment.deleted',
        'project.deleted',
        'flag.promoted',
        'project.imported',
      ]);
    });

    it('refuses a command prepared against versions that moved, and changes nothing', async () => {
      await ok('POST', '/flags', { flag_name: 'guarded', status: true, rollout_percentage: 10 });
      await ok('PATCH', '/flags/guarded', { rollout_percentage: 20 });
      const command = {
        type: 'flag_settings.update',
        version: 1,
        project: 'default',
        environment: 'production',
        flag: 'guarded',
        payload: { rollout_percentage: 90 },
        prepared_against: [{ item: 'flag_settings', key: 'guarded', environment: 'production', version: 1 }],
      };
      await problem(command, 409, /flag_settings "guarded" in "production" is at version 2, not 1/);
      await problem(
        { ...command, prepared_against: [{ item: 'segment', key: 'nowhere', version: 1 }] },
        409,
        /segment "nowhere" is gone/,
      );
      expect(await ok('GET', '/flags/guarded')).toMatchObject({ rollout_percentage: 20, version: 2 });
      expect(
        await run({
          ...command,
          prepared_against: [
            { item: 'flag_settings', key: 'guarded', environment: 'production', version: 2 },
            { item: 'flag', key: 'guarded', version: 1 },
            { item: 'environment', key: 'production', version: 1 },
            { item: 'project', key: 'default', version: 1 },
          ],
        }),
      ).toMatchObject({ rollout_percentage: 90, version: 3 });
    });

    it('writes the audit entry and the webhook outbox with the change, and neither when a check refuses it', async () => {
      // Deliveries are written to the outbox whether or not the receiver (here nothing listens) takes them.
      const hook = await ok('POST', '/webhooks', { url: 'http://127.0.0.1:9/hook', events: ['flag.*'] });
      await ok('POST', '/flags', { flag_name: 'first', status: true });
      await ok('POST', '/flags', { flag_name: 'second', status: true, prerequisites: [{ flag: 'first' }] });
      const deliveries = async () => (await ok('GET', `/webhooks/${hook.id}/deliveries`)).deliveries.length;
      const audited = async () => (await ok('GET', '/audit?flag_name=first')).entries.length;
      const before = [await deliveries(), await audited()];
      const change = (payload: object) => ({
        type: 'flag_settings.update',
        version: 1,
        project: 'default',
        environment: 'production',
        flag: 'first',
        payload,
      });
      // A cycle: refused inside the transaction, after the command was authorised and let through.
      await problem(change({ prerequisites: [{ flag: 'second', variant: null }] }), 409, /cycle/);
      expect([await deliveries(), await audited()]).toEqual(before);
      await run(change({ rollout_percentage: 5 }));
      expect([await deliveries(), await audited()]).toEqual([before[0] + 1, before[1] + 1]);
    });

    it('answers a project key outside its project as if the project did not exist', async () => {
      await ok('POST', '/projects', { key: 'shop', name: 'Shop' });
      const { secret } = await ok('POST', '/api-keys', { name: 'shop admin', scope: 'admin', project: 'shop' });
      const headers = { authorization: `Bearer ${secret}` };
      const command = {
        type: 'segment.create',
        version: 1,
        project: 'default',
        payload: { name: 'intruders', user_ids: ['x'] },
      };
      const refused = await call('POST', '/commands', command, headers);
      expect(refused.statusCode).toBe(404);
      expect(refused.json().detail).toBe('Project "default" not found');
      const allowed = await call('POST', '/commands', { ...command, project: 'shop' }, headers);
      expect(allowed.statusCode, allowed.body).toBe(200);
      expect((await call('GET', '/projects/shop/segments', undefined, headers)).json()).toHaveLength(1);
    });
  });
});

describe.each(backends)('the hold step on $name', (backend) => {
  it.skipIf(!backend.available)(
    'sees every command, decoded, before anything is written, and can stop it',
    async () => {
      const database = await backend.create();
      const held: Command[] = [];
      const app = await buildApp(loadConfig({ DATABASE_URL: database.url, LOG_LEVEL: 'silent' }), {
        hold: async (command) => {
          held.push(command);
          if (command.type === 'flag.delete') throw new ConflictError('Deleting flags waits for a second person');
          return 'proceed';
        },
      });
      try {
        const created = await app.inject({
          method: 'POST',
          url: '/flags',
          payload: { flag_name: 'kept', status: true, rollout_percentage: 2.5 },
        });
        expect(created.statusCode).toBe(201);
        const deleted = await app.inject({ method: 'DELETE', url: '/flags/kept' });
        expect(deleted.statusCode).toBe(409);
        expect(deleted.json().detail).toBe('Deleting flags waits for a second person');
        expect((await app.inject({ method: 'GET', url: '/flags/kept' })).statusCode).toBe(200);
        expect(held.map((c) => c.type)).toEqual(['flag.create', 'flag.delete']);
        expect(held[0]).toMatchObject({ payload: { name: 'kept', settings: { rolloutBasisPoints: 250 } } });
      } finally {
        await app.close();
        await database.drop();
      }
    },
  );
});
