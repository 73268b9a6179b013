import type { FastifyInstance, onRequestHookHandler, RouteOptions } from 'fastify';
import { z } from 'zod';
import { keySchema } from '../http/common-schemas.js';
import type { EnvironmentView, ProjectView } from '../read-model/config-snapshot.js';
import type { ScopeResolver } from '../areas/projects/addressing.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * What the route works on: one environment's configuration, a project's, or neither (unset). The
     * path names them (`/projects/:project/environments/:environment/…`); where it does not, the API
     * key's binding does, and `default`/`production` for global keys and open access.
     */
    scope?: 'project' | 'environment';
  }
  interface FastifyRequest {
    /** Set for routes scoped to a project. */
    project: ProjectView;
    /** Set for routes scoped to an environment. */
    environment: EnvironmentView;
  }
}

/**
 * Sets request.project (and request.environment) for the routes that declare a scope, once the key is
 * checked and before the body is: an unknown project is a 404 whatever the body. Register after access
 * control, before the routes.
 */
export function registerScope(app: FastifyInstance, scopes: ScopeResolver): void {
  app.decorateRequest('project');
  app.decorateRequest('environment');
  app.addHook('onRoute', (route: RouteOptions) => {
    const scope = route.config?.scope;
    if (scope === undefined) return;
    // Routes registered under /projects/:project/environments/:environment declare the prefix's parameters too.
    const prefixed = Object.fromEntries(
      (['project', 'environment'] as const)
        .filter((name) => route.url.includes(`:${name}`))
        .map((name) => [name, keySchema]),
    );
    const params = route.schema?.params as z.ZodObject | undefined;
    if (Object.keys(prefixed).length > 0 && !Object.keys(prefixed).every((name) => params?.shape[name])) {
      route.schema = { ...route.schema, params: params ? params.extend(prefixed) : z.object(prefixed) };
    }
    const hook: onRequestHookHandler = (request, _reply, done) => {
      const params = request.params as { project?: string; environment?: string };
      try {
        if (scope === 'environment') {
          // Routes scoped to an environment read its project from it (request.environment.project).
          request.environment = scopes.environment(request.principal, params.project, params.environment);
        } else {
          request.project = scopes.project(request.principal, params.project);
        }
        done();
      } catch (error) {
        done(error as Error);
      }
    };
    route.onRequest = [...(route.onRequest === undefined ? [] : [route.onRequest].flat()), hook];
  });
}
