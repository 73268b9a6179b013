import { describe, expect, it } from 'vitest';
import { commandNeeds } from '../../src/core/command-permissions.js';
import type { Command } from '../../src/core/commands.js';
import { grantOf, holds, holdsAnywhere, projectsWhere, reachesProject, ROLES } from '../../src/core/permissions.js';

const PROJECT = 7;
const DEVELOPMENT = 71;
const PRODUCTION = 72;

describe('permissions', () => {
  it('gives an owner everything, globally and in every project and environment', () => {
    const owner = [grantOf('owner', null)];
    expect(holds(owner, 'account.manage', { projectId: null })).toBe(true);
    expect(holds(owner, 'flag.write', { projectId: PROJECT, environmentId: PRODUCTION })).toBe(true);
    expect(holds(owner, 'flag.write', { projectId: PROJECT, environmentId: 'every' })).toBe(true);
  });

  it("gives a project's admin everything in the project, nothing global and nothing elsewhere", () => {
    const admin = [grantOf('admin', PROJECT)];
    expect(holds(admin, 'member.manage', { projectId: PROJECT })).toBe(true);
    expect(holds(admin, 'project.create', { projectId: null })).toBe(false);
    // A global permission asked for in a project is still global.
    expect(holds(admin, 'metrics.read', { projectId: PROJECT })).toBe(false);
    expect(holds(admin, 'project.read', { projectId: 8 })).toBe(false);
    expect(reachesProject(admin, 8)).toBe(false);
    expect(projectsWhere(admin, 'project.read')).toEqual(new Set([PROJECT]));
  });

  it('lets a viewer read and evaluate, and nothing more', () => {
    const viewer = [grantOf('viewer', PROJECT)];
    expect(holds(viewer, 'project.read', { projectId: PROJECT })).toBe(true);
    expect(holds(viewer, 'flag.evaluate', { projectId: PROJECT, environmentId: PRODUCTION })).toBe(true);
    for (const permission of ['flag.write', 'segment.write', 'config.read', 'key.manage'] as const) {
      expect(holds(viewer, permission, { projectId: PROJECT }), permission).toBe(false);
    }
  });

  it('holds an environment-narrowed grant per environment only where it is narrowed to, and project-wide elsewhere', () => {
    const editor = [grantOf('editor', PROJECT, [DEVELOPMENT])];
    expect(holds(editor, 'flag.write', { projectId: PROJECT, environmentId: DEVELOPMENT })).toBe(true);
    expect(holds(editor, 'flag.write', { projectId: PROJECT, environmentId: PRODUCTION })).toBe(false);
    expect(holds(editor, 'flag.write', { projectId: PROJECT, environmentId: 'every' })).toBe(false);
    // A flag's definition belongs to no environment.
    expect(holds(editor, 'flag.write', { projectId: PROJECT })).toBe(true);
    // Reading and segments are not per environment.
    expect(holds(editor, 'project.read', { projectId: PROJECT, environmentId: PRODUCTION })).toBe(true);
    expect(holds(editor, 'segment.write', { projectId: PROJECT, environmentId: PRODUCTION })).toBe(true);
    expect(holdsAnywhere(editor, 'schedule.manage')).toBe(true);
    expect(holdsAnywhere(editor, 'environment.manage')).toBe(false);
  });

  it('builds the roles from one another: each holds what the one below holds', () => {
    const has = (role: keyof typeof ROLES) => new Set<string>(ROLES[role].permissions);
    for (const [higher, lower] of [
      ['owner', 'admin'],
      ['admin', 'editor'],
      ['editor', 'viewer'],
    ] as const) {
      expect(
        [...has(lower)].filter((p) => !has(higher).has(p)),
        `${higher} ⊇ ${lower}`,
      ).toEqual([]);
    }
  });

  it('asks of each command the permission its change needs, where it makes it', () => {
    const base = { project: 'p', preparedAgainst: [] };
    const needs = (command: object) => commandNeeds({ ...base, ...command } as unknown as Command);
    expect(needs({ type: 'flag_settings.update', environment: 'production', flag: 'f', payload: {} })).toEqual([
      { permission: 'flag.write', environment: 'production' },
    ]);
    expect(needs({ type: 'flag.delete', environment: null, flag: 'f', payload: {} })).toEqual([
      { permission: 'flag.write', environment: 'every' },
    ]);
    expect(
      needs({ type: 'flag.promote', flag: 'f', payload: { from: 'staging', to: 'production', dryRun: false } }),
    ).toEqual([{ permission: 'environment.promote', environment: 'production' }]);
    expect(needs({ type: 'segment.delete', segment: 's', payload: {} })).toEqual([{ permission: 'segment.write' }]);
  });
});
