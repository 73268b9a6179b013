// The floor the service is measured against: the bare route plus what every response of the
// service must have, done the stock way: Fastify's own logger at the same LOG_LEVEL (no lazy logger
// or other trick of the service's) and the service's five response headers (request id, the API
// security headers, CORS). No validation, API keys, rate limits, metrics or database.
import Fastify from 'fastify';
import { loadConfig } from '../src/config.js';
import { bucketBasisPoints } from '../src/core/rollout.js';
import { registerResponseHeaders, responseHeaderSetter } from '../src/plugins/response-headers.js';
import { libraryOnFloor } from './library-on-floor.js';
import { type BenchParams, fixedRolloutAnswer } from './reference-answer.js';

const config = loadConfig();
const app = Fastify({ logger: { level: config.logLevel }, routerOptions: { maxParamLength: 4096 } });
// For the library rows: one library, or the service's replacement of it, on top (library-on-floor.ts).
const plus = process.env.FLOOR_PLUS;
if (plus === '@fastify/cors') {
  // The same headers by the same hook, but @fastify/cors (global here) answers the preflights too:
  // Fastify's router takes its OPTIONS route only once.
  const setHeaders = responseHeaderSetter(config.corsOrigins);
  app.addHook('onRequest', (request, reply, done) => {
    setHeaders(request, reply);
    done();
  });
} else await registerResponseHeaders(app, config.corsOrigins);
if (plus !== undefined) await libraryOnFloor[plus](app);
app.get<BenchParams>('/users/:user_id/flags/:flag_name', async (request) =>
  fixedRolloutAnswer(request.params, bucketBasisPoints(request.params.user_id, request.params.flag_name)),
);
await app.listen({ port: config.port, host: '127.0.0.1' });
