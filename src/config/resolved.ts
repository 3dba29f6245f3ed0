import type { CountryCode } from '../phone/phone-metadata.js';
import type { CustomFieldConfig } from './schema.js';
import type { TemplatePart } from './template.js';

export type MatchKey = 'phone' | 'email';

export type UpdateMode = 'always' | 'ifEmpty' | 'never';

/** Per mapped field, when a sync writes it; a field not named is 'always'. Emails and phones as a kind: the strictest of their columns. */
export interface FieldUpdateModes {
  readonly firstName?: UpdateMode;
  readonly lastName?: UpdateMode;
  readonly company?: UpdateMode;
  readonly role?: UpdateMode;
  readonly emails?: UpdateMode;
  readonly phoneNumbers?: UpdateMode;
  /** By custom field key. */
  readonly custom: Readonly<Record<string, UpdateMode>>;
}

/** Where a value comes from: one column, or a template over several. */
export type ValueSource =
  | { readonly kind: 'column'; readonly column: string }
  | {
      readonly kind: 'template';
      readonly template: string;
      readonly parts: readonly TemplatePart[];
      readonly allowEmpty: boolean;
    };

export interface LabelledColumn {
  readonly name: string;
  /** A column with each record's own label (Google's "Phone 1 - Label"); `name` when empty. */
  readonly nameColumn?: string;
  readonly column: string;
  readonly split?: string;
}
export interface PhoneColumn extends LabelledColumn {
  readonly defaultCountry?: CountryCode;
}

export type ResolvedCustomField = CustomFieldConfig & {
  readonly trueValues?: readonly string[];
  readonly falseValues?: readonly string[];
};

/** A column the config refers to, with the config path that names it (for header errors). */
export interface ColumnUse {
  readonly column: string;
  readonly configPath: string;
}

export interface ApiSettings {
  readonly baseUrl: string;
  readonly requestsPerSecond: number;
  readonly concurrency: number;
  readonly timeoutMs: number;
  readonly retry: { readonly attempts: number; readonly baseDelayMs: number; readonly maxDelayMs: number };
}

/** A value that is the same for every record, or a template over its columns. */
export type TextSource =
  | { readonly kind: 'constant'; readonly value: string }
  | { readonly kind: 'template'; readonly template: string; readonly parts: readonly TemplatePart[] };

/** The config with every default applied once; everything downstream reads only this. */
export interface ResolvedConfig {
  readonly file: string;
  /** Hash of what decides a record's payload: a journal made under another mapping is warned about (journal/mapping-check.ts). */
  readonly mappingHash: string;
  readonly externalId: ValueSource;
  readonly source?: TextSource;
  readonly sourceUrl?: TextSource;
  readonly createdByUserId?: string;
  /** A column of owners (e-mails or full names) for createdByUserId, and what an unknown one does. */
  readonly owner?: { readonly column: string; readonly unknown: 'default' | 'fail' };
  readonly names: {
    readonly firstName?: string;
    readonly lastName?: string;
    readonly company?: string;
    readonly role?: string;
  };
  readonly emails: readonly LabelledColumn[];
  readonly phoneNumbers: readonly PhoneColumn[];
  readonly customFields: readonly ResolvedCustomField[];
  /** A column naming each record's country, for its numbers without +country code. */
  readonly phoneCountryColumn?: string;
  /** A record without a phone number fails (config requirePhone, or --require-phone). */
  readonly requirePhone: boolean;
  /** A bad value: dropped and reported (the contact is imported without it), or the whole record fails. */
  readonly invalidValues: 'drop' | 'fail';
  /**
   * A changed record's update: keep the contact's own items and add the record's, or make them exactly the record's;
   * which side a conflict keeps; and, per mapped field, when a sync writes it (send/three-way.ts).
   */
  readonly update: {
    readonly arrays: 'keep' | 'source';
    readonly conflicts: 'workspace' | 'source';
    readonly fields: FieldUpdateModes;
  };
  /** Adopt the workspace's contacts by these keys (config `matchExisting`, or --match-existing). */
  readonly matchExisting?: readonly MatchKey[];
  readonly csv: {
    readonly delimiter?: string;
    readonly encoding: string;
    readonly headerLine: number;
    readonly sheet?: string | number | undefined;
  };
  readonly api: ApiSettings;
  readonly columnUses: readonly ColumnUse[];
  /** Each column the config reads, once (the per-record checks of every cell go through these). */
  readonly usedColumns: readonly string[];
}

export const API_DEFAULTS: ApiSettings = {
  baseUrl: 'https://api.openphone.com',
  requestsPerSecond: 10,
  concurrency: 8,
  timeoutMs: 15_000,
  retry: { attempts: 6, baseDelayMs: 500, maxDelayMs: 30_000 },
};
