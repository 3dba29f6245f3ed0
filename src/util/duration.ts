import { UsageError } from '../errors.js';

/** "50m", "2h", "90s", "1h30m" → milliseconds. */
export function parseDuration(text: string, flag: string): number {
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)\s*(ms|h|m|s)/g)];
  const consumed = parts.map((p) => p[0]).join('');
  if (parts.length === 0 || consumed.replace(/\s/g, '') !== text.replace(/\s/g, '')) {
    throw new UsageError('DURATION_INVALID', `${flag}: found ${JSON.stringify(text)}: expected a duration such as 50m, 2h, 90s, 1h30m or 500ms`);
  }
  const unit = { h: 3_600_000, m: 60_000, s: 1000, ms: 1 } as const;
  return parts.reduce((ms, p) => ms + Number(p[1]) * unit[p[2] as keyof typeof unit], 0);
}
