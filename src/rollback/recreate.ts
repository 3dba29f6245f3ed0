import type { ApiClient } from '../api/client.js';
import { sourceProblem, type Contact, type ContactRequest, contactInBody } from '../api/contract.js';
import { describeApiError } from '../api/api-error.js';
import { LookupBatcher } from '../api/lookup.js';
import type { JobContact } from '../ownership/created-by-job.js';

/** How re-creating a removed workspace contact ended. */
export type RecreateResult =
  | { readonly kind: 'recreated'; readonly newId: string }
  | { readonly kind: 'failed'; readonly why: string }
  | { readonly kind: 'notSent' };

/**
 * A contact of the workspace that a delete of this job removed (an earlier
 * version's --delete-missing deleted adopted contacts) is made again from its
 * state before the job (its prior event in the journal): a new contact with a new id, its names,
 * items, custom values, owner and externalId as they were. It is first made
 * under a marker externalId, so that a create whose answer was lost is found
 * by lookup rather than made twice, then given back its own externalId (none,
 * for an adopted one).
 */
export async function recreateRemoved(api: ApiClient, removed: JobContact, before: Contact): Promise<RecreateResult> {
  const marker = `restored-${removed.contactId}`.slice(0, 75);
  const lookup = new LookupBatcher(api, 0);
  const find = async (): Promise<Found> => {
    const found = await lookup.find(marker);
    return found.kind === 'failed'
      ? { kind: 'failed', why: `${found.why} (a rerun tries again)` }
      : { kind: 'found', contact: found.contacts[0] };
  };
  const earlier = await find();
  const made =
    earlier.kind === 'found' && earlier.contact === undefined ? await create(api, before, marker, find) : earlier;
  if (made.kind !== 'found') return made;
  if (made.contact === undefined)
    return { kind: 'failed', why: 'made, but no lookup finds it yet (a rerun looks again)' };
  if (!(await giveBackExternalId(api, made.contact, before)))
    return {
      kind: 'failed',
      why: `made again as ${made.contact.id}, but its externalId could not be put back (a rerun tries again)`,
    };
  return { kind: 'recreated', newId: made.contact.id };
}

/** What a lookup of the marker says: the contact it finds (or none), or that it could not say (a failure of this step). */
type Found =
  { readonly kind: 'found'; readonly contact: Contact | undefined } | { readonly kind: 'failed'; readonly why: string };

/**
 * The create under the marker. Before any resend the marker is looked up: a
 * contact found, or a lookup that could not say, settles the call (no resend
 * on a failed lookup: the first attempt may have made it).
 */
async function create(
  api: ApiClient,
  before: Contact,
  marker: string,
  find: () => Promise<Found>,
): Promise<Found | Extract<RecreateResult, { kind: 'notSent' }>> {
  const r = await api.call<Found>(
    { method: 'POST', path: 'v1/contacts', body: recreateBody(before, marker) },
    {
      count: 'creates',
      beforeResend: async () => {
        const found = await find();
        return found.kind === 'found' && found.contact === undefined ? undefined : found;
      },
    },
  );
  if (r.kind === 'stopped') return { kind: 'notSent' };
  if (r.kind === 'gaveUp') return { kind: 'failed', why: `${r.message} (a rerun looks for it first)` };
  if (r.kind === 'settled') return r.value;
  // A 201 whose body is not a contact (a proxy's) made one all the same: the marker finds it.
  if (r.res.status === 201) {
    const contact = contactInBody(r.res.body);
    return contact !== undefined ? { kind: 'found', contact } : await find();
  }
  if (r.res.status === 409) return await find();
  return { kind: 'failed', why: describeApiError(r.res.status, r.res.body).message };
}

/** The contact as it was before the job, as a create under the marker externalId. */
function recreateBody(before: Contact, marker: string): ContactRequest {
  const df = before.defaultFields;
  const items = (list: readonly { name: string; value: string | null }[]) =>
    list.filter((i) => i.value !== null).map((i) => ({ name: i.name, value: i.value }));
  return {
    defaultFields: {
      firstName: df.firstName,
      lastName: df.lastName,
      company: df.company,
      role: df.role,
      emails: items(df.emails),
      phoneNumbers: items(df.phoneNumbers),
    },
    customFields: before.customFields
      .filter((f) => f.value !== null)
      .map((f) => ({ key: f.key, value: f.value as never })),
    externalId: marker,
    // A source the API keeps for itself (the app's "openphone", its CSV import's) cannot be sent: the API's default then.
    ...(before.source && sourceProblem(before.source) === undefined && { source: before.source }),
    ...(before.createdByUserId?.startsWith('US') && { createdByUserId: before.createdByUserId }),
  };
}

/** The contact made again gets its own externalId back (none, for an adopted one); whether the PATCH took. */
async function giveBackExternalId(api: ApiClient, made: Contact, before: Contact): Promise<boolean> {
  // The whole set goes back with it: the API's PATCH deletes the items a body leaves out.
  const keep = (list: readonly { id: string; name: string; value: string | null }[]) =>
    list.map((i) => ({ id: i.id, name: i.name, value: i.value }));
  const whole = {
    defaultFields: { emails: keep(made.defaultFields.emails), phoneNumbers: keep(made.defaultFields.phoneNumbers) },
    customFields: made.customFields.map((f) => ({ key: f.key, value: f.value as never })),
    externalId: before.externalId,
  };
  const back = await api.call(
    { method: 'PATCH', path: `v1/contacts/${encodeURIComponent(made.id)}`, body: whole },
    { count: 'updates' },
  );
  return back.kind === 'answer' && back.res.status === 200;
}
