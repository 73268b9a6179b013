import { FeatureFlagsProvider } from '@feature-flags-service/openfeature-provider';
import type { EvaluationContext } from '@openfeature/server-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../test/support/manual-clock.js';
import { useTestServer } from '../../../test/support/test-app.js';
import { adminCalls } from './admin.js';
import { everyFeature, random, randomContext } from './every-feature.js';

const ADMIN = 'e'.repeat(40);
const CASES = 100_000;
/**
 * In parts of 10,000, each a test with the default 30 s: the whole took 13–17 s on a loaded 2-core
 * machine and once passed 30 s as one test, failing CI; a part takes a tenth of that.
 */
const PARTS = 10;
const CONCURRENT_REQUESTS = 64;
/** What a typed flag that is off without an off variant answers: the caller's default. */
const CALLERS_DEFAULT = '<default>';

type Answer = { value?: unknown; variant?: string; reason?: string; metadata?: unknown; errorCode?: string };

describe('the provider answers as the service does', () => {
  const clock = new ManualClock();
  // Due scheduled changes stay unwritten (no check runs in the 2 hours moved): both apply them as they evaluate.
  const { app, baseUrl } = useTestServer({
    clock,
    env: { ADMIN_API_KEY: ADMIN, SNAPSHOT_POLL_MS: String(86_400_000), RATE_LIMIT_EVALUATIONS: '0' },
  });
  let provider: FeatureFlagsProvider;
  let flagNames: string[];

  const admin = adminCalls(app, ADMIN);

  beforeAll(async () => {
    const { segments, flags, schedules } = everyFeature(clock.now());
    for (const segment of segments) await admin('POST', '/segments', segment);
    for (const flag of flags) await admin('POST', '/flags', flag);
    for (const { flag, ...schedule } of schedules) await admin('POST', `/flags/${flag}/schedules`, schedule);
    flagNames = flags.map((f) => f.flag_name as string);
    const { secret } = await admin('POST', '/api-keys', { name: 'checkout-service', scope: 'server' });
    provider = new FeatureFlagsProvider({ url: baseUrl(), apiKey: secret, now: () => clock.now() });
    await provider.initialize();
    await clock.advance(2 * 3_600_000);
  });
  afterAll(() => provider?.onClose());

  const fromService = async (flag: string, context: Record<string, unknown>): Promise<Answer> => {
    const res = await app().inject({
      method: 'POST',
      url: `/ofrep/v1/evaluate/flags/${flag}`,
      payload: { context },
      headers: { authorization: `Bearer ${ADMIN}` },
    });
    const body = res.json();
    if (res.statusCode !== 200) {
      expect(res.statusCode, res.body).toBe(400);
      return { errorCode: body.errorCode };
    }
    return {
      value: body.value ?? CALLERS_DEFAULT,
      variant: body.variant,
      reason: body.reason,
      metadata: body.metadata,
    };
  };

  const fromProvider = (flag: string, context: Record<string, unknown>, expected: Answer): Answer => {
    // Asked for the type the service answered, as an application asks for its flag's type.
    const type = expected.value === undefined || expected.value === CALLERS_DEFAULT ? 'string' : typeof expected.value;
    try {
      const { value, variant, reason, flagMetadata } = provider.evaluate(
        flag,
        CALLERS_DEFAULT,
        context as EvaluationContext,
        type as 'boolean' | 'string' | 'number' | 'object',
      );
      return { value, variant, reason, metadata: flagMetadata };
    } catch (error) {
      return { errorCode: (error as { code?: string }).code };
    }
  };

  const reasons = new Map<string, number>();
  const partOf = CASES / PARTS;

  it.each(Array.from({ length: PARTS }, (_, part) => part + 1))(
    `gives identical answers in ${partOf.toLocaleString('en')} random cases over flags with every feature (part %i of ${PARTS})`,
    async (part) => {
      expect(provider.syncStatus).toMatchObject({ source: 'service', flags: flagNames.length });
      const next = random(20261204 + part);
      let mismatches: string[] = [];
      for (let start = 0; start < partOf; start += CONCURRENT_REQUESTS) {
        const cases = Array.from({ length: Math.min(CONCURRENT_REQUESTS, partOf - start) }, () => ({
          flag: flagNames[Math.floor(next() * flagNames.length)],
          context: randomContext(next),
        }));
        const expected = await Promise.all(cases.map(({ flag, context }) => fromService(flag, context)));
        cases.forEach(({ flag, context }, i) => {
          const actual = fromProvider(flag, context, expected[i]);
          const key = expected[i].reason ?? expected[i].errorCode!;
          reasons.set(key, (reasons.get(key) ?? 0) + 1);
          if (JSON.stringify(actual) !== JSON.stringify(expected[i]) && mismatches.length < 5) {
            mismatches = [
              ...mismatches,
              `${flag} ${JSON.stringify(context)}: service ${JSON.stringify(expected[i])}, provider ${JSON.stringify(actual)}`,
            ];
          }
        });
      }
      expect(mismatches).toEqual([]);
    },
  );

  it(`reached every outcome in the ${CASES.toLocaleString('en')} cases`, () => {
    expect([...reasons.values()].reduce((a, b) => a + b, 0)).toBe(CASES);
    expect([...reasons.keys()].sort()).toEqual(
      ['DISABLED', 'PREREQUISITE_FAILED', 'SPLIT', 'STATIC', 'TARGETING_KEY_MISSING', 'TARGETING_MATCH'].sort(),
    );
  });

  it('applies the due scheduled changes, as the service does, and not the later ones', async () => {
    const context = { targetingKey: 'u42' };
    expect(provider.evaluate('due_ramp', false, context, 'boolean').flagMetadata).toEqual({ rollout_percentage: 90 });
    expect(provider.evaluate('later_launch', true, context, 'boolean')).toMatchObject({
      value: false,
      reason: 'DISABLED',
    });
    expect((await fromService('due_ramp', context)).metadata).toEqual({ rollout_percentage: 90 });
  });
});
