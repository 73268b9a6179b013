/** What the first-run guide has made so far. */
export interface GuideProgress {
  keyName?: string;
  /** Only right after the key's creation: the snippets then carry it once. */
  secret?: string;
  flag?: string;
  rule?: { attribute: string; value: string };
  percentage?: number;
  experiment?: string;
}

interface Where {
  origin: string;
  project: string;
  environment: string;
}

type Steps = Record<'key' | 'flag' | 'rule' | 'rollout' | 'experiment', string>;

export const SECRET_PLACEHOLDER = '<the secret shown when the key was created>';
const VARIANTS = [{ key: 'control' }, { key: 'treatment' }];
const quote = (text: string) => `'${text.replaceAll("'", "'\\''")}'`;

/**
 * The guide's curl commands, runnable as they are in a shell: evaluations with the server key
 * ($FLAGS_KEY), changes with an admin key ($ADMIN_KEY), both read from the environment so no secret
 * but the one just created is ever printed.
 */
export function curlSnippets({ origin, project, environment }: Where, progress: GuideProgress): Steps {
  const flag = progress.flag ?? 'new_checkout';
  const env = `${origin}/projects/${encodeURIComponent(project)}/environments/${encodeURIComponent(environment)}`;
  const asServer = `-H "Authorization: Bearer $FLAGS_KEY"`;
  const asAdmin = `-H "Authorization: Bearer $ADMIN_KEY"`;
  const json = `-H 'Content-Type: application/json'`;
  const attribute = progress.rule?.attribute ?? 'country';
  const value = progress.rule?.value ?? 'DE';
  const experiment = progress.experiment ?? `${flag}_test`;
  return {
    key: [
      `export FLAGS_URL=${quote(origin)}`,
      `export FLAGS_KEY=${progress.secret ? quote(progress.secret) : SECRET_PLACEHOLDER}`,
      `curl -s -X POST ${asServer} ${json} "$FLAGS_URL/ofrep/v1/evaluate/flags" \\`,
      `  -d '{"context":{"targetingKey":"alice"}}'`,
    ].join('\n'),
    flag: [
      `curl -s -X POST ${asAdmin} ${json} ${quote(`${origin}/projects/${encodeURIComponent(project)}/flags`)} \\`,
      `  -d ${quote(JSON.stringify({ flag_name: flag, kind: 'experiment', variants: VARIANTS }))}`,
      `curl -s ${asServer} "$FLAGS_URL/users/alice/flags/${encodeURIComponent(flag)}"`,
    ].join('\n'),
    rule: [
      `curl -s -X POST ${asServer} ${json} "$FLAGS_URL/evaluate/${encodeURIComponent(flag)}" \\`,
      `  -d ${quote(JSON.stringify({ user_id: 'alice', attributes: { [attribute]: value } }))}`,
    ].join('\n'),
    rollout: [
      `curl -s -X PATCH ${asAdmin} ${json} ${quote(`${env}/flags/${encodeURIComponent(flag)}`)} \\`,
      `  -d ${quote(JSON.stringify({ rollout_percentage: progress.percentage ?? 10 }))}`,
    ].join('\n'),
    experiment: [
      `curl -s -X POST ${asServer} ${json} "$FLAGS_URL/events" \\`,
      `  -d ${quote(JSON.stringify({ events: [{ type: 'track', user_id: 'alice', event: 'purchase', value: 1 }] }))}`,
      `curl -s ${asAdmin} ${quote(`${env}/experiments/${encodeURIComponent(experiment)}/results`)}`,
    ].join('\n'),
  };
}

/** The same steps with the OpenFeature SDK and this service's in-process provider (packages/). */
export function sdkSnippets({ origin }: Where, progress: GuideProgress): Steps {
  const flag = progress.flag ?? 'new_checkout';
  const attribute = progress.rule?.attribute ?? 'country';
  const value = progress.rule?.value ?? 'DE';
  const literal = (text: string) => JSON.stringify(text).replaceAll('"', "'");
  return {
    key: [
      `import { OpenFeature } from '@openfeature/server-sdk';`,
      `import { FeatureFlagsProvider } from '@feature-flags-service/openfeature-provider';`,
      ``,
      `await OpenFeature.setProviderAndWait(`,
      `  new FeatureFlagsProvider({ url: ${literal(origin)}, apiKey: process.env.FLAGS_KEY }),`,
      `);`,
      `const client = OpenFeature.getClient();`,
    ].join('\n'),
    flag: [
      `const on = await client.getBooleanValue(${literal(flag)}, false, { targetingKey: 'alice' });`,
      `const { variant } = await client.getBooleanDetails(${literal(flag)}, false, { targetingKey: 'alice' });`,
    ].join('\n'),
    rule: [
      `const context = { targetingKey: 'alice', ${JSON.stringify(attribute)}: ${literal(value)} };`,
      `const on = await client.getBooleanValue(${literal(flag)}, false, context);`,
    ].join('\n'),
    rollout: [
      `// No code change: the provider follows the service's stream,`,
      `// so ${progress.percentage ?? 10}% takes effect within a second.`,
    ].join('\n'),
    experiment: [
      `// Exposures are recorded as the flag is evaluated; a conversion is one call:`,
      `client.track('purchase', { targetingKey: 'alice' }, { value: 1 });`,
      `await OpenFeature.close(); // sends what is pending`,
    ].join('\n'),
  };
}
