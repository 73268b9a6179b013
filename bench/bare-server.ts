// The ceiling: bare Fastify, one route that computes the same SHA-256 bucket as the service for the
// user in its path and returns the same JSON shape. No database, no validation, no logging.
import Fastify from 'fastify';
import { bucketBasisPoints } from '../dist/core/rollout.js';

const ROLLOUT_BP = 5000;
const app = Fastify({ logger: false, routerOptions: { maxParamLength: 4096 } });
app.get('/users/:user_id/flags/:flag_name', async (request) => {
  const { user_id, flag_name } = request.params;
  const bucket = bucketBasisPoints(user_id, flag_name);
  const enabled = bucket < ROLLOUT_BP;
  return { user_id, flag_name, enabled, reason: enabled ? 'IN_ROLLOUT' : 'OUT_OF_ROLLOUT', bucket: bucket / 100, variant: null, payload: null };
});
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
console.log('Server listening');
