/**
 * What works on one environment answers for the key's (or default/production) at the root, and for
 * any environment under /projects/{project}/environments/{environment}; what works on a project likewise.
 */
export const ENVIRONMENT_ROUTES = ['', '/projects/:project/environments/:environment'];

export const PROJECT_ROUTES = ['', '/projects/:project'];
