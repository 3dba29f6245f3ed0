import { bad, ok, ProblemCode, type Converted } from '../problem.js';

const POINT = /^[+-]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?$/;
const COMMA = /^[+-]?(\d{1,3}(\.\d{3})+|\d+)(,\d+)?$/;

/**
 * A number written with the given decimal separator; the other separator is
 * accepted only as a thousands separator in groups of three, so "1,5" is never
 * silently read as fifteen.
 */
export function toNumber(value: string, decimalSeparator: '.' | ',' = '.'): Converted<number> {
  const v = value.trim().replace(/[\s\u00a0]/g, '');
  const pattern = decimalSeparator === '.' ? POINT : COMMA;
  if (!pattern.test(v)) {
    return bad(
      ProblemCode.numberInvalid,
      `expected a number with "${decimalSeparator}" as decimal separator, such as ${decimalSeparator === '.' ? '1234.5' : '1234,5'}`,
    );
  }
  const normalized = decimalSeparator === '.' ? v.replace(/,/g, '') : v.replace(/\./g, '').replace(',', '.');
  const n = Number(normalized);
  return Number.isFinite(n) ? ok(n) : bad(ProblemCode.numberInvalid, 'expected a finite number');
}
