import type { Log } from '../../src/log.js';

export interface Warning {
  readonly code: string;
  readonly message: string;
}

/**
 * A log that keeps each warning with its code. Tests assert on the codes
 * (stable, what scripts read in --log-format json), and on a value a message
 * must carry (a file name, a count), never on its wording.
 */
export function warningLog(): { log: Log; warnings: Warning[]; codes: () => string[] } {
  const warnings: Warning[] = [];
  return {
    log: { info: () => {}, warn: (message, code) => warnings.push({ code, message }) },
    warnings,
    codes: () => warnings.map((w) => w.code),
  };
}
