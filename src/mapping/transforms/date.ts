import { DateTime } from 'luxon';
import { boundedMemo } from '../../util/bounded-memo.js';
import { bad, ok, ProblemCode, type Converted } from '../problem.js';

/**
 * A date cell as the ISO date-time the API expects (2024-09-11T04:00:00.000Z).
 * A date without a time means midnight of that day in `timezone` (as the
 * OpenPhone app stores them), so it reads back as the same calendar day there:
 * parsing in UTC and letting the app show it in New York would move every date a
 * day back. Impossible dates (02/30) are problems, never rolled over.
 */
export function toIsoDate(value: string, format: string | undefined, timezone = 'UTC'): Converted<string> {
  return converterFor(format, timezone)(value.trim());
}

// Luxon parsing in a named zone costs tens of microseconds (Intl offset
// look-ups); exports repeat the same dates, so results are kept, per format and
// zone (a config has a few), keyed by the cell alone. Two map levels rather
// than one joined key: format and zone are the config's own strings, so finding
// the memo builds no string per cell.
const converters = new Map<string, Map<string, (value: string) => Converted<string>>>();

function converterFor(format: string | undefined, timezone: string): (value: string) => Converted<string> {
  let byZone = converters.get(format ?? '');
  if (byZone === undefined) converters.set(format ?? '', (byZone = new Map()));
  let converter = byZone.get(timezone);
  if (converter === undefined)
    byZone.set(timezone, (converter = boundedMemo((value) => convert(value, format || undefined, timezone))));
  return converter;
}

function convert(v: string, format: string | undefined, timezone: string): Converted<string> {
  const parsed =
    format === undefined ? DateTime.fromISO(v, { zone: timezone }) : DateTime.fromFormat(v, format, { zone: timezone });
  if (!parsed.isValid) {
    const why = parsed.invalidExplanation ? ` (${parsed.invalidExplanation})` : '';
    return bad(
      ProblemCode.dateInvalid,
      `expected a real date in the format ${format ?? 'ISO 8601 (yyyy-MM-dd)'}${why}`,
    );
  }
  return ok(parsed.toUTC().toISO()!);
}
