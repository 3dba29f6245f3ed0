/**
 * A problem with one input record. Codes are stable (tests and users match on
 * them); the message is for people and may change.
 */
export const ProblemCode = {
  csvMalformed: 'CSV_MALFORMED',
  encodingInvalid: 'ENCODING_INVALID',
  externalIdMissing: 'EXTERNAL_ID_MISSING',
  externalIdTooLong: 'EXTERNAL_ID_TOO_LONG',
  externalIdScientific: 'EXTERNAL_ID_SCIENTIFIC',
  externalIdZeros: 'EXTERNAL_ID_ZEROS_CHANGED',
  duplicateExternalId: 'DUPLICATE_EXTERNAL_ID',
  emptyContact: 'EMPTY_CONTACT',
  phoneInvalid: 'PHONE_INVALID',
  phoneNumberCell: 'PHONE_NUMBER_CELL',
  formulaWithoutValue: 'FORMULA_WITHOUT_VALUE',
  phoneMissing: 'PHONE_MISSING',
  emailInvalid: 'EMAIL_INVALID',
  urlInvalid: 'URL_INVALID',
  booleanInvalid: 'BOOLEAN_INVALID',
  numberInvalid: 'NUMBER_INVALID',
  dateInvalid: 'DATE_INVALID',
  payloadInvalid: 'PAYLOAD_INVALID',
  controlCharacter: 'CONTROL_CHARACTER',
  cellTooLong: 'CELL_TOO_LONG',
  sourceUrlInvalid: 'SOURCE_URL_INVALID',
  sourceInvalid: 'SOURCE_INVALID',
  /** Notes on values kept in part: reported, never failing the record. */
  phoneExtensionDropped: 'PHONE_EXTENSION_DROPPED',
  phoneCountryUnknown: 'PHONE_COUNTRY_UNKNOWN',
  ownerUnknown: 'OWNER_UNKNOWN',
  sourceUrlIncomplete: 'SOURCE_URL_INCOMPLETE',
} as const;
export type ProblemCode = (typeof ProblemCode)[keyof typeof ProblemCode];

export interface Problem {
  readonly code: ProblemCode | string;
  /** Physical line of the record's first character in the input file. */
  readonly line: number;
  readonly column?: string;
  readonly value?: string;
  readonly message: string;
}

/** "line 12, column \"Mobile\": found \"abc\": not a phone number" */
export function describeProblem(problem: Problem): string {
  const where =
    problem.column === undefined
      ? `line ${problem.line}`
      : `line ${problem.line}, column ${JSON.stringify(problem.column)}`;
  const found = problem.value === undefined ? '' : `found ${JSON.stringify(problem.value)}: `;
  return `${where}: ${found}${problem.message} [${problem.code}]`;
}

/** Result of converting one cell; `note`: the value was kept, but not all of it (an extension). */
export type Converted<T> =
  | { readonly kind: 'ok'; readonly value: T; readonly note?: { readonly code: ProblemCode; readonly message: string } }
  | { readonly kind: 'bad'; readonly code: ProblemCode; readonly expected: string };

export const ok = <T>(value: T): Converted<T> => ({ kind: 'ok', value });
export const bad = (code: ProblemCode, expected: string): Converted<never> => ({ kind: 'bad', code, expected });
