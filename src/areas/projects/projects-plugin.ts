import fp from 'fastify-plugin';
import { importFilePlugin } from './import-file-plugin.js';
import { FlagsAsCode } from './flags-as-code.js';
import { projectImportRoutes } from './project-import-routes.js';
import { projectRoutes } from './project-routes.js';
import { ProjectService } from './project-service.js';
import { promotionRoutes } from './promotion-routes.js';
import { PromotionService } from './promotion-service.js';

declare module 'fastify' {
  interface FastifyInstance {
    projectService: ProjectService;
    flagsAsCode: FlagsAsCode;
  }
}

/** Projects and environments, promotion between environments, and flags as code (FLAGS_IMPORT_FILE at start). */
export const projectsArea = fp<{ flagsImportFile: string | undefined }>(
  async (app, { flagsImportFile }) => {
    const { commands } = app;
    const { snapshot } = app.readModel;
    const projectService = new ProjectService(snapshot);
    const flagsAsCode = new FlagsAsCode(snapshot);
    app.decorate('projectService', projectService);
    app.decorate('flagsAsCode', flagsAsCode);
    await app.register(importFilePlugin, { path: flagsImportFile });
    await app.register(projectImportRoutes, { commands });
    await app.register(projectRoutes, { commands, projectService, flagsAsCode });
    await app.register(promotionRoutes, { commands, promotionService: new PromotionService(snapshot) });
  },
  { name: 'projects', dependencies: ['commands', 'addressing'] },
);
