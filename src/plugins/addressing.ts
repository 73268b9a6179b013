import { AddressResolver } from '../areas/projects/addressing.js';
import { keySchema } from '../http/common-schemas.js';
import { routePermission } from '../http/route-permissions.js';
import type { ProjectView, EnvironmentView } from '../read-model/environment-view.js';
import type { FastifyInstance, RouteOptions, onRequestHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import { z } from 'zod';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * What the route works on: one environment's configuration, a project's, or neither (unset). The
     * path names them (`/projects/:project/environments/:environment/…`); where it does not, the API
     * key's binding does, and `default`/`production` for global keys and open access.
     */
    addresses?: 'project' | 'environment';
  }
  interface FastifyRequest {
    /** Set for routes that address a project. */
    project: ProjectView;
    /** Set for routes that address an environment. */
    environment: EnvironmentView;
  }
}

/**
 * Sets request.project (and request.environment) for the routes that declare what they address, once the key is
 * checked and before the body is: an unknown project is a 404 whatever the body. Register after access
 * control, before the routes.
 */
function registerAddressing(app: FastifyInstance, addresses: AddressResolver): void {
  app.decorateRequest('project');
  app.decorateRequest('environment');
  app.addHook('onRoute', (route: RouteOptions) => {
    const addressed = route.config?.addresses;
    if (addressed === undefined) return;
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
    // The route's permission, held where the request works: a key without it there is refused.
    const needed = routePermission(route);
    const permission = needed === 'public' || needed === 'signed_in' ? undefined : needed;
    const hook: onRequestHookHandler = (request, _reply, done) => {
      const params = request.params as { project?: string; environment?: string };
      try {
        if (addressed === 'environment') {
          // Routes that address an environment read its project from it (request.environment.project).
          request.environment = addresses.environment(
            request.principal,
            params.project,
            params.environment,
            permission,
          );
        } else {
          request.project = addresses.project(request.principal, params.project, permission);
        }
        done();
      } catch (error) {
        done(error as Error);
      }
    };
    route.onRequest = [...(route.onRequest === undefined ? [] : [route.onRequest].flat()), hook];
  });
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Which project and environment a request addresses (areas/projects/addressing.ts). */
    addressing: AddressResolver;
  }
}

export const addressingPlugin = fp(
  async (app) => {
    const addresses = new AddressResolver(app.readModel.snapshot);
    app.decorate('addressing', addresses);
    registerAddressing(app, addresses);
  },
  { name: 'addressing', dependencies: ['read-model', 'access-control'] },
);
