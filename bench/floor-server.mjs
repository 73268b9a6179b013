// The ceiling plus only what issues 2 and 4 require of every response, done the service's way:
// Fastify's logger (at LOG_LEVEL, with the service's lazy per-request loggers), request ids, the
// timeouts, and the response headers (request id, API security headers, CORS) from the service's
// own plugin. No
// validation, API keys, rate limits, metrics or flags: no service can be faster than this and still
// meet those issues, so the service's distance from this server is what its own code costs.
import Fastify from 'fastify';
import { loadConfig } from '../dist/config.js';
import { lazyChildLoggerFactory } from '../dist/plugins/lazy-child-logger.js';
import { requestIdGenerator } from '../dist/plugins/request-id.js';
import { registerResponseHeaders } from '../dist/plugins/response-headers.js';
import { bucketBasisPoints } from '../dist/rollout.js';

const config = loadConfig();
const ROLLOUT_BP = 5000;
const app = Fastify({
  logger: { level: config.logLevel },
  childLoggerFactory: lazyChildLoggerFactory,
  routerOptions: { maxParamLength: 4096 },
  genReqId: requestIdGenerator(),
  requestTimeout: config.requestTimeoutMs,
  connectionTimeout: config.connectionTimeoutMs,
  keepAliveTimeout: config.keepAliveTimeoutMs,
});
await registerResponseHeaders(app, config.corsOrigins);
app.get('/users/:user_id/flags/:flag_name', async (request) => {
  const { user_id, flag_name } = request.params;
  const bucket = bucketBasisPoints(user_id, flag_name);
  const enabled = bucket < ROLLOUT_BP;
  return { user_id, flag_name, enabled, reason: enabled ? 'IN_ROLLOUT' : 'OUT_OF_ROLLOUT', bucket: bucket / 100, variant: null, payload: null };
});
await app.listen({ port: config.port, host: '127.0.0.1' });
