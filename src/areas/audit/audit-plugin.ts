import fp from 'fastify-plugin';
import { auditRoutes } from './audit-routes.js';
import { AuditService } from './audit-service.js';
import { PrismaAuditLog } from './audit-store.js';

/** The audit log, per project and for everything. */
export const auditArea = fp(
  async (app) => {
    await app.register(auditRoutes, {
      auditService: new AuditService(new PrismaAuditLog(app.database.client)),
      addresses: app.addressing,
    });
  },
  { name: 'audit', dependencies: ['database', 'addressing'] },
);
