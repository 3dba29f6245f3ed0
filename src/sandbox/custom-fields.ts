import type { CustomFieldType } from '../api/contract.js';

export interface CustomFieldDefinition {
  readonly name: string;
  readonly key: string;
  readonly type: CustomFieldType;
}

/** The sandbox workspace's custom fields unless told otherwise: the ones the demo and README use. */
export const DEFAULT_CUSTOM_FIELDS: readonly CustomFieldDefinition[] = [
  { name: 'Inbound lead', key: 'inbound-lead', type: 'multi-select' },
  { name: 'Signup date', key: 'signup-date', type: 'date' },
  { name: 'VIP', key: 'vip', type: 'boolean' },
  { name: 'Notes', key: 'notes', type: 'string' },
  { name: 'Score', key: 'score', type: 'number' },
  { name: 'Website', key: 'website', type: 'url' },
  { name: 'Address', key: 'address', type: 'address' },
];
