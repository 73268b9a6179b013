// The ceiling plus only what every response of the service must have, done the service's way: its
// server options (Fastify's logger at LOG_LEVEL with lazy per-request loggers, request ids, timeouts)
// and its response headers (request id, API security headers, CORS). No validation, API keys, rate
// limits, metrics or flags: a service with those logs and headers in Fastify cannot be faster, so
// the service's distance from this server is what its own code costs.
import Fastify from 'fastify';
import { serverOptions } from '../dist/app.js';
import { loadConfig } from '../dist/config.js';
import { registerResponseHeaders } from '../dist/plugins/response-headers.js';
import { bucketBasisPoints } from '../dist/core/rollout.js';

const config = loadConfig();
const ROLLOUT_BP = 5000;
const app = Fastify(serverOptions(config));
await registerResponseHeaders(app, config.corsOrigins);
app.get('/users/:user_id/flags/:flag_name', async (request) => {
  const { user_id, flag_name } = request.params;
  const bucket = bucketBasisPoints(user_id, flag_name);
  const enabled = bucket < ROLLOUT_BP;
  return { user_id, flag_name, enabled, reason: enabled ? 'IN_ROLLOUT' : 'OUT_OF_ROLLOUT', bucket: bucket / 100, variant: null, payload: null };
});
await app.listen({ port: config.port, host: '127.0.0.1' });
