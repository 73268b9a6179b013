import fp from 'fastify-plugin';
import type { Config } from '../../config.js';
import type { Clock } from '../../support/clock.js';
import { PrismaAccountStore } from './account-store.js';
import { SessionService } from './session-service.js';
import { TokenService } from './token-service.js';

declare module 'fastify' {
  interface FastifyInstance {
    sessions: SessionService;
    personalTokens: TokenService;
  }
}

/** Session cookies and personal tokens, for the access control plugin to check: registered before it. */
export const sessionsPlugin = fp<{ config: Pick<Config, 'accounts'>; clock: Clock }>(
  async (app, { config, clock }) => {
    const timeouts = { idleMs: config.accounts.sessionIdleMs, absoluteMs: config.accounts.sessionAbsoluteMs };
    const store = new PrismaAccountStore(app.database.client);
    app.decorate('sessions', new SessionService(store, app.database.store, clock, timeouts));
    app.decorate('personalTokens', new TokenService(store, app.database.store, clock));
  },
  { name: 'sessions', dependencies: ['database'] },
);
