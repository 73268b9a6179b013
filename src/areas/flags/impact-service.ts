import { type Impact, impactOf } from '../../core/impact.js';
import type { EnvironmentView } from '../../read-model/environment-view.js';
import type { FlagConfigChanges } from '../../core/flags.js';
import type { FlagService } from './flag-service.js';
import type { RecentContexts } from '../evaluation/recent-contexts.js';

/** Before a change to a flag is saved: what it would do to the users who evaluated the flag lately. */
export class ImpactService {
  constructor(
    private readonly flags: FlagService,
    private readonly contexts: RecentContexts,
  ) {}

  preview(view: EnvironmentView, name: string, settings: FlagConfigChanges): Impact {
    const { before, after } = this.flags.proposedSettings(view, name, settings);
    return impactOf(before, after, this.contexts.usersOf(view.environment.id, before.flagId), view.lookups);
  }
}
