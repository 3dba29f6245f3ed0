import { UsageError } from '../errors.js';

/** "50m", "2h", "90s", "1h30m" → milliseconds. */
export function parseDuration(text: string, flag: string): number {
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)\s*(ms|h|m|s)/g)];
  const consumed = parts.map((p) => p[0]).join('');
  if (parts.length === 0 || consumed.replace(/\s/g, '') !== text.replace(/\s/g, '')) {
    throw new UsageError('DURATION_INVALID', `${flag}: found ${JSON.stringify(text)}: expected a duration`, {
      hint: 'write it as 50m, 2h, 90s, 1h30m or 500ms',
    });
  }
  const unit = { h: 3_600_000, m: 60_000, s: 1000, ms: 1 } as const;
  const ms = parts.reduce((sum, p) => sum + Number(p[1]) * unit[p[2] as keyof typeof unit], 0);
  // A longer wait overflows node's timers, which then fire after 1 ms: refused rather than turned into "at once".
  if (ms > MAX_TIMER_MS) {
    throw new UsageError(
      'DURATION_TOO_LONG',
      `${flag}: found ${JSON.stringify(text)}: longer than the longest wait a timer can hold (${Math.floor(MAX_TIMER_MS / 3_600_000)}h)`,
      { hint: `use at most ${Math.floor(MAX_TIMER_MS / 3_600_000)}h, or leave it out` },
    );
  }
  return ms;
}

/** The longest delay setTimeout honours (2^31 - 1 ms, about 24.8 days). */
export const MAX_TIMER_MS = 2_147_483_647;
