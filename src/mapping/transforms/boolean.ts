import { bad, ok, ProblemCode, type Converted } from '../problem.js';

export const DEFAULT_TRUE = ['true', 'yes', 'y', '1'] as const;
export const DEFAULT_FALSE = ['false', 'no', 'n', '0'] as const;

export function toBoolean(
  value: string,
  trueValues: readonly string[] = DEFAULT_TRUE,
  falseValues: readonly string[] = DEFAULT_FALSE,
): Converted<boolean> {
  const v = value.trim().toLowerCase();
  if (trueValues.some((t) => t.toLowerCase() === v)) return ok(true);
  if (falseValues.some((f) => f.toLowerCase() === v)) return ok(false);
  return bad(ProblemCode.booleanInvalid, `expected one of ${[...trueValues, ...falseValues].join(', ')} (any case)`);
}
