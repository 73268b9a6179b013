import fp from 'fastify-plugin';
import { ENVIRONMENT_ROUTES } from '../../http/route-prefixes.js';
import type { Clock } from '../../support/clock.js';
import { streamRoutes } from './stream-routes.js';

/** Server-sent events of an environment's changes. */
export const streamsArea = fp<{ clock: Clock; pollMs: number }>(
  async (app, { clock, pollMs }) => {
    const { hub, snapshot } = app.readModel;
    const { auth: authService, sessions, addressing: addresses } = app;
    for (const prefix of ENVIRONMENT_ROUTES) {
      await app.register(streamRoutes, { prefix, hub, authService, sessions, addresses, snapshot });
    }
    // A stream a session opened ends with the session (signed out, ended, timed out, its account
    // deactivated), on whichever instance did it: sessions live in the database, so each instance looks.
    const stop = clock.every(pollMs, async () => {
      const held = hub.holders().filter((holder) => holder.startsWith(SESSION_HOLDER));
      if (held.length === 0) return;
      const live = await sessions
        .stillLive(held.map((holder) => holder.slice(SESSION_HOLDER.length)))
        .catch(() => null);
      if (live)
        hub.closeHeldBy(
          (holder) => holder.startsWith(SESSION_HOLDER) && !live.has(holder.slice(SESSION_HOLDER.length)),
        );
    });
    app.addHook('onClose', async () => stop());
  },
  { name: 'streams', dependencies: ['read-model', 'access-control', 'addressing', 'sessions'] },
);

const SESSION_HOLDER = 'session:';
