import { readFileSync } from 'node:fs';

/**
 * This process's own peak resident set, in MB. Not process.resourceUsage().maxRSS:
 * on Linux a child started by spawn (vfork, then exec) inherits its parent's peak
 * into that figure, so a worker started after the bench wrote a 700 MB workbook
 * reported 701 MB whatever it used. /proc/self/status's VmHWM is the peak of the
 * worker's own memory map.
 */
export function peakRssMb(): number {
  try {
    const m = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m !== null) return Number(m[1]) / 1024;
  } catch {
    // Not Linux: below.
  }
  return process.resourceUsage().maxRSS / 1024;
}
