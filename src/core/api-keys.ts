/** API keys as the service stores them (their secrets only as hashes). Pure types. */
/**
 * What a key may do, each including the one after it: `admin` manages; `server` also downloads its
 * environment's whole configuration (segments' user lists too), for in-process evaluation; `evaluate`
 * only evaluates, and is the one that ends up in browsers.
 */
export type ApiKeyScope = 'admin' | 'server' | 'evaluate';

export interface ApiKey {
  id: string;
  name: string;
  scope: ApiKeyScope;
  /** The project the key may use; null for a global admin key. */
  projectId: number | null;
  /** The one environment an evaluate or server key works in; null for admin keys. */
  environmentId: number | null;
  prefix: string;
  secretHash: string;
  createdAt: Date;
  revokedAt: Date | null;
}

export type NewApiKey = Omit<ApiKey, 'createdAt' | 'revokedAt'>;
