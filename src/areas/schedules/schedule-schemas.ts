import { z } from 'zod';
import type { ScheduledChange, ScheduledSettings } from '../../core/schedules.js';
import { flagNameSchema, rolloutPercentageSchema } from '../../http/common-schemas.js';
import { fromScheduledSettings, toScheduledSettings } from '../../http/core-form.js';

export { fromScheduledSettings, toScheduledSettings };

export const scheduledSettingsSchema = z
  .strictObject({
    status: z.boolean().optional(),
    rollout_percentage: rolloutPercentageSchema.optional(),
  })
  .refine((set) => Object.keys(set).length > 0, { message: 'set at least one of status, rollout_percentage' });

const createScheduleBody = z
  .strictObject({
    at: z.iso
      .datetime({ offset: true })
      .describe('When, as an ISO 8601 time with a zone, e.g. 2026-12-01T09:00:00Z; in the future'),
    set: scheduledSettingsSchema.describe('What changes then'),
  })
  .meta({
    id: 'CreateSchedule',
    example: { at: '2026-12-01T09:00:00Z', set: { status: true, rollout_percentage: 50 } },
  });

/** A scheduled change as the core holds it: its time, and what it sets then. */
export const createScheduleBodySchema = z.codec(
  createScheduleBody,
  z.custom<{ at: Date; changes: ScheduledSettings }>(),
  {
    decode: ({ at, set }) => ({ at: new Date(at), changes: fromScheduledSettings(set) }),
    encode: ({ at, changes }) => ({ at: at.toISOString(), set: toScheduledSettings(changes) }),
  },
);

export const scheduleParamsSchema = z.object({ flag_name: flagNameSchema, schedule_id: z.uuid() });

export const scheduleSchema = z
  .object({
    id: z.string(),
    flag_name: z.string(),
    at: z.string().describe('ISO 8601, UTC'),
    set: z.object({ status: z.boolean().optional(), rollout_percentage: z.number().optional() }),
    created_at: z.string().describe('ISO 8601, UTC'),
    applied_at: z.string().nullable().describe('When it was written to the flag; null while pending'),
  })
  .meta({ id: 'Schedule' });

export function toScheduleResponse(change: ScheduledChange): z.infer<typeof scheduleSchema> {
  return {
    id: change.id,
    flag_name: change.flagName,
    at: change.at.toISOString(),
    set: toScheduledSettings(change.changes),
    created_at: change.createdAt.toISOString(),
    applied_at: change.appliedAt?.toISOString() ?? null,
  };
}
