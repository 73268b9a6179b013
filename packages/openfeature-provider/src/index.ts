export { FeatureFlagsProvider, type FeatureFlagsProviderOptions, type SyncStatus } from './provider.js';
export type { ConnectionState } from './sync.js';
export type { EventStats } from './events.js';
