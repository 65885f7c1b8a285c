import type { Request } from 'express';
import { z } from 'zod';
import { ValidationError } from '@quire/errors';
import { CALLBACK_EVENTS, type WebhookRepository } from '@quire/job-model';
import { callbackUrlProblem, type AddressAllowList } from '@quire/webhooks';
import { formatZodIssues } from './zod-issues';

/** Where the caller's callback options come from: the `options` part of a multipart request, or headers. */
export const CALLBACK_URL_HEADER = 'Quire-Callback-Url';
export const CALLBACK_EVENTS_HEADER = 'Quire-Callback-Events';

/**
 * Platform options of a submission (docs/architecture.md §7 `options`), beside the job type's `params`: they are
 * not the job's input, so they never enter a type's strict params schema, and they work the same for every type.
 */
export const submissionOptionsSchema = z
  .object({
    callbackUrl: z.string().min(1).optional(),
    /** Events beyond the terminal ones (always sent): `progress`. Terminal names are accepted and change nothing. */
    callbackEvents: z.array(z.enum(CALLBACK_EVENTS)).max(CALLBACK_EVENTS.length).optional(),
  })
  .strict();

export interface CallbackChoice {
  callbackUrl: string | null;
  callbackProgress: boolean;
}

/**
 * The callback options of a submission, checked: from the multipart `options` part (JSON) or from the
 * `Quire-Callback-Url` / `Quire-Callback-Events` headers (the only way for JSON-body job types, whose body is the
 * params object). Refused with 400 naming the field: both sources at once, a bad scheme, credentials in the URL, a
 * literal private address, progress without any URL, or a URL while the tenant has no signing secret.
 */
export async function readCallbackChoice(
  req: Request,
  optionsPart: unknown,
  deps: { webhooks: WebhookRepository; allow: AddressAllowList; tenantId: string },
): Promise<CallbackChoice> {
  const fromHeaders = headerOptions(req);
  if (optionsPart !== undefined && fromHeaders)
    throw new ValidationError(
      `give the callback options once: in the "options" part or in the ${CALLBACK_URL_HEADER} headers`,
    );
  const raw = optionsPart ?? fromHeaders ?? {};
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new ValidationError('"options" must be a JSON object', { details: { field: 'options' } });
  const parsed = submissionOptionsSchema.safeParse(raw);
  if (!parsed.success)
    throw new ValidationError(`invalid options: ${formatZodIssues(parsed.error.issues)}`, {
      details: {
        issues: parsed.error.issues.map((i) => ({
          field: ['options', ...i.path].join('.'),
          message: i.message,
        })),
      },
    });
  const { callbackUrl, callbackEvents = [] } = parsed.data;
  const callbackProgress = callbackEvents.includes('progress');
  if (callbackUrl !== undefined) {
    const problem = callbackUrlProblem(callbackUrl, deps.allow);
    if (problem)
      throw new ValidationError(`options.callbackUrl ${problem}`, {
        details: { field: 'options.callbackUrl' },
      });
  }
  if (callbackUrl === undefined && callbackEvents.length === 0)
    return { callbackUrl: null, callbackProgress };
  const settings = await deps.webhooks.findTenantSettings(deps.tenantId);
  if (callbackUrl === undefined && !settings?.callbackUrl)
    throw new ValidationError(
      'options.callbackEvents needs a callbackUrl (this tenant has no default callback URL)',
      {
        details: { field: 'options.callbackEvents' },
      },
    );
  if (!settings?.secretSealed)
    throw new ValidationError(
      'options.callbackUrl: this tenant has no webhook signing secret yet; an operator creates one with ' +
        '`npm run webhook:rotate-secret -- --tenant <name>`',
      { details: { field: 'options.callbackUrl' } },
    );
  return { callbackUrl: callbackUrl ?? null, callbackProgress };
}

function headerOptions(req: Request): Record<string, unknown> | undefined {
  const url = req.header(CALLBACK_URL_HEADER)?.trim();
  const events = req.header(CALLBACK_EVENTS_HEADER)?.trim();
  if (!url && !events) return undefined;
  return {
    ...(url ? { callbackUrl: url } : {}),
    ...(events
      ? {
          callbackEvents: events
            .split(',')
            .map((e) => e.trim())
            .filter(Boolean),
        }
      : {}),
  };
}
