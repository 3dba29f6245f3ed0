import type { Contact } from '../../src/api/contract.js';

let n = 0;

/**
 * A contact as the API returns it (every key present): `CT1` with externalId
 * `e1` and the given default fields, empty otherwise; custom values by key.
 */
export const apiContact = (
  df: Partial<Contact['defaultFields']> = {},
  custom: readonly { key: string; value: unknown }[] = [],
): Contact => ({
  id: 'CT1',
  externalId: 'e1',
  source: 'public-api',
  sourceUrl: null,
  createdAt: 'x',
  updatedAt: 'x',
  createdByUserId: 'US1',
  defaultFields: { firstName: null, lastName: null, company: null, role: null, emails: [], phoneNumbers: [], ...df },
  customFields: custom.map((c) => ({ name: c.key, key: c.key, id: `CF${++n}`, type: 'string', value: c.value })),
});
