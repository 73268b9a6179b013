// The bare route, a reference row: bare Fastify, one route that computes the same SHA-256 bucket as
// the service for the user in its path and returns the same JSON shape. No logging, no headers.
import Fastify from 'fastify';
import { bucketBasisPoints } from '../src/core/rollout.js';
import { type BenchParams, fixedRolloutAnswer } from './reference-answer.js';

const app = Fastify({ logger: false, routerOptions: { maxParamLength: 4096 } });
app.get<BenchParams>('/users/:user_id/flags/:flag_name', async (request) =>
  fixedRolloutAnswer(request.params, bucketBasisPoints(request.params.user_id, request.params.flag_name)),
);
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
// What the test's startServer() waits for, as Fastify's logger prints it in the other servers.
console.log('Server listening');
