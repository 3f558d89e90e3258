/**
 * The commands that travel on the work queue from the ingress functions (and from the worker to itself)
 * to the worker. One zod/mini schema is the contract; types are inferred from it.
 */
import * as z from 'zod/mini';

export const incidentRefSchema = z.object({
  source: z.string().check(z.minLength(1)),
  incidentId: z.string().check(z.minLength(1)),
  eventId: z.optional(z.string()),
  service: z.optional(z.string()),
  title: z.optional(z.string()),
  link: z.optional(z.string()),
});
export type IncidentRef = z.infer<typeof incidentRefSchema>;

/** Where an outcome goes besides the log and the configured callback (chat replies come later). */
export const replyTargetSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('callback'), url: z.url() }),
  z.object({ kind: z.literal('slack'), responseUrl: z.url() }),
]);
export type ReplyTarget = z.infer<typeof replyTargetSchema>;

const requestedBy = z.object({ kind: z.enum(['incident', 'slack', 'teams', 'schedule']), id: z.string() });
const emails = z.array(z.email()).check(z.minLength(1));
const common = { id: z.string().check(z.minLength(1)), reply: z.optional(replyTargetSchema) };

export const traceStartSchema = z.object({
  ...common,
  type: z.literal('trace.start'),
  incident: incidentRefSchema,
  userEmails: emails,
  requestedBy,
  sessionMinutes: z.optional(z.union([z.literal(5), z.literal(15), z.literal(30), z.literal(60)])),
});

export const traceCheckSchema = z.object({
  ...common,
  type: z.literal('trace.check'),
  incident: incidentRefSchema,
  deviceId: z.number(),
  deviceName: z.optional(z.string()),
  traceId: z.string(),
  check: z.number(),
});

export const traceStopSchema = z.object({
  ...common,
  type: z.literal('trace.stop'),
  incident: incidentRefSchema,
  userEmails: emails,
  requestedBy,
});

export const commandSchema = z.discriminatedUnion('type', [traceStartSchema, traceCheckSchema, traceStopSchema]);
export type Command = z.infer<typeof commandSchema>;
export type TraceStart = z.infer<typeof traceStartSchema>;
export type TraceCheck = z.infer<typeof traceCheckSchema>;
export type TraceStop = z.infer<typeof traceStopSchema>;
