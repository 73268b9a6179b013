// The ceiling: bare Fastify, one route that computes the same SHA-256 bucket as the service for the
// user in its path and returns the same JSON shape. No database, no validation, no logging.
import Fastify from 'fastify';
import { evaluateRollout } from '../dist/rollout.js';

const rule = { status: true, rolloutBasisPoints: 5000 };
const app = Fastify({ logger: false, routerOptions: { maxParamLength: 4096 } });
app.get('/users/:user_id/flags/:flag_name', async (request) => {
  const { user_id, flag_name } = request.params;
  const result = evaluateRollout(rule, user_id, flag_name);
  return { user_id, flag_name, enabled: result.enabled, reason: result.reason, bucket: result.bucketBasisPoints / 100 };
});
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
console.log('Server listening');
