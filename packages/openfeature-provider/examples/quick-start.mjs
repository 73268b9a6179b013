// Evaluates one flag in this process and exits:
//   FLAGS_URL=http://localhost:8000 FLAGS_KEY=<a server key> node examples/quick-start.mjs
// A server key: curl -s -X POST $FLAGS_URL/api-keys -H 'Content-Type: application/json' \
//   -d '{"name": "my-app", "scope": "server"}' (with an admin key once keys exist).
import { OpenFeature } from '@openfeature/server-sdk';
import { FeatureFlagsProvider } from '@feature-flags-service/openfeature-provider';

const { FLAGS_URL = 'http://localhost:8000', FLAGS_KEY } = process.env;
if (!FLAGS_KEY) {
  console.error('Set FLAGS_KEY to a server key of the service at FLAGS_URL.');
  process.exit(1);
}

await OpenFeature.setProviderAndWait(new FeatureFlagsProvider({ url: FLAGS_URL, apiKey: FLAGS_KEY }));
const client = OpenFeature.getClient();
const enabled = await client.getBooleanValue('new_checkout', false, { targetingKey: 'user-42', plan: 'pro' });
console.log(`new_checkout for user-42: ${enabled}`);

// Sends what is pending (exposures, track() events) and closes the stream, so the process can exit.
await OpenFeature.close();
