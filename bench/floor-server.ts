// The floor the service is measured against: the bare route plus what every response of the
// service must have, done the stock way: Fastify's own logger at the same LOG_LEVEL (no lazy logger
// or other trick of the service's) and the service's five response headers (request id, the API
// security headers, CORS). No validation, API keys, rate limits, metrics or database.
import Fastify from 'fastify';
import { loadConfig } from '../src/config.js';
import { bucketBasisPoints } from '../src/core/rollout.js';
import { registerResponseHeaders } from '../src/plugins/response-headers.js';
import { type BenchParams, fixedRolloutAnswer } from './reference-answer.js';

const config = loadConfig();
const app = Fastify({ logger: { level: config.logLevel }, routerOptions: { maxParamLength: 4096 } });
await registerResponseHeaders(app, config.corsOrigins);
app.get<BenchParams>('/users/:user_id/flags/:flag_name', async (request) =>
  fixedRolloutAnswer(request.params, bucketBasisPoints(request.params.user_id, request.params.flag_name)),
);
await app.listen({ port: config.port, host: '127.0.0.1' });
