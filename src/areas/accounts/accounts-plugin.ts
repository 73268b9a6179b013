import fp from 'fastify-plugin';
import type { Config } from '../../config.js';
import type { Clock } from '../../support/clock.js';
import { accountRoutes } from './account-routes.js';
import { AccountService } from './account-service.js';
import { PrismaAccountStore } from './account-store.js';
import { authRoutes } from './auth-routes.js';

/** People: signing in, accounts and invitations, roles and project members. */
export const accountsArea = fp<{ config: Pick<Config, 'accounts'>; clock: Clock }>(
  async (app, { config, clock }) => {
    const accounts = new AccountService(new PrismaAccountStore(app.database.client), app.database.store, clock);
    await app.register(authRoutes, {
      sessions: app.sessions,
      tokens: app.personalTokens,
      accounts,
      snapshot: app.readModel.snapshot,
      sessionMaxAgeMs: config.accounts.sessionAbsoluteMs,
      failedAuthentications: app.failedAuthentications,
      onOwnerSignedUp: () => app.auth.markOwnerSignedUp(),
    });
    await app.register(accountRoutes, { accounts, addresses: app.addressing, publicUrl: config.accounts.publicUrl });
  },
  { name: 'accounts', dependencies: ['database', 'read-model', 'sessions', 'access-control', 'addressing'] },
);
