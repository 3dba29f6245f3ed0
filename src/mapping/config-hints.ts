import type { ResolvedCustomField } from '../config/resolved.js';
import { inferBooleanWords, inferDateFormat, inferDecimalSeparator } from './infer-formats.js';

/**
 * A custom-field value that did not convert, read as a config fix: the words,
 * format or separator that would read it, with the config path to set.
 * Computed only for a value that failed, so it costs nothing on good rows.
 */
export function configHint(field: ResolvedCustomField, index: number, cell: string): string {
  const path = `customFields[${index}]`;
  switch (field.type) {
    case 'boolean': {
      const words = inferBooleanWords([cell]);
      if (words === undefined) return '';
      const isTrue = words.trueValues.some((w) => w.toLowerCase() === cell.trim().toLowerCase());
      const key = isTrue ? 'trueValues' : 'falseValues';
      const current = (isTrue ? field.trueValues : field.falseValues) ?? [];
      return `; if ${JSON.stringify(cell)} means ${isTrue ? 'yes' : 'no'}, set ${path}.${key} to ${JSON.stringify([...current, cell.trim()])}${field.trueValues || field.falseValues ? '' : ` (and ${path}.${isTrue ? 'falseValues' : 'trueValues'} to the other word)`}`;
    }
    case 'date': {
      const date = inferDateFormat([cell]);
      return date === undefined
        ? ''
        : `; a format that reads it: set ${path}.format to ${JSON.stringify(date.format)}${
            date.ambiguous.length > 0
              ? ` (or ${date.ambiguous
                  .filter((f) => f !== date.format)
                  .map((f) => JSON.stringify(f))
                  .join(', ')}: check which the export uses)`
              : ''
          }`;
    }
    case 'number':
      return field.decimalSeparator !== ',' && inferDecimalSeparator([cell]).separator === ','
        ? `; written with a decimal comma: set ${path}.decimalSeparator to ","`
        : '';
    default:
      return '';
  }
}
