import { UsageError } from '../errors.js';

/**
 * Fault injection, decided per request before the handler runs.
 *
 * Spec grammar (CLI --faults, or FaultRule objects in code):
 *   rule[,rule...]       rule = [route:]kind=when
 *   route                post | get | patch | delete | fields | users  (default: every route)
 *   kind                 500 | 502 | 503 | reset | drop | late | hang | 429 | 400 | 403 | 404 | 409 | 422
 *   when                 a probability (0.05) or request numbers on that route (#3#10#11)
 * Examples: "post:500=0.05,post:reset=0.03,post:drop=0.03,hang=0.01,429=0.01"
 *           "post:drop=#2#5"
 *
 *   reset  the connection is destroyed before the contact is stored
 *   drop   the contact is stored, then the connection is destroyed with no answer
 *   late   the connection is destroyed with no answer, and the contact is stored only
 *          after a lookup has missed it (a server still busy with the request)
 *   hang   no answer for hangMs (longer than any client timeout)
 *   429    a burst: this request and every one in the next `burstMs` get 429
 *   400 403 404 409 422   a refusal for good, with the error envelope (nothing stored)
 */
export const FAULT_KINDS = [
  '500',
  '502',
  '503',
  'reset',
  'drop',
  'late',
  'hang',
  '429',
  '400',
  '403',
  '404',
  '409',
  '422',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];
export const FAULT_ROUTES = ['post', 'get', 'patch', 'delete', 'fields', 'users'] as const;
export type FaultRoute = (typeof FAULT_ROUTES)[number];

export interface FaultRule {
  readonly route?: FaultRoute;
  readonly kind: FaultKind;
  readonly probability?: number;
  readonly at?: readonly number[];
}

export function parseFaultSpec(spec: string): FaultRule[] {
  if (spec.trim() === '') return [];
  return spec.split(',').map((raw) => {
    const item = raw.trim();
    const m = /^(?:([a-z]+):)?([0-9a-z]+)=(.+)$/.exec(item);
    const fail = (why: string) =>
      new UsageError(
        'FAULT_SPEC_INVALID',
        `--faults: ${JSON.stringify(item)}: ${why}; expected [route:]kind=probability or [route:]kind=#n#m`,
        {
          hint: 'e.g. --faults post:500=0.05 (one POST in 20 answers 500), or post:drop=#3 (the third POST is stored and gets no answer)',
        },
      );
    if (!m) throw fail('not of the form [route:]kind=when');
    const [, route, kind, when] = m as unknown as [string, string | undefined, string, string];
    if (route !== undefined && !(FAULT_ROUTES as readonly string[]).includes(route))
      throw fail(`unknown route "${route}" (routes: ${FAULT_ROUTES.join(', ')})`);
    if (!(FAULT_KINDS as readonly string[]).includes(kind))
      throw fail(`unknown fault "${kind}" (faults: ${FAULT_KINDS.join(', ')})`);
    const base = { kind: kind as FaultKind, ...(route !== undefined && { route: route as FaultRoute }) };
    if (when.startsWith('#')) {
      const at = when.slice(1).split('#').map(Number);
      if (at.some((n) => !Number.isInteger(n) || n < 1)) throw fail('request numbers are whole numbers from 1');
      return { ...base, at };
    }
    const probability = Number(when);
    if (!(probability >= 0 && probability <= 1)) throw fail(`probability ${when} is not between 0 and 1`);
    return { ...base, probability };
  });
}

/**
 * Which fault, if any, hits request number `n` of `route`. Rules are tried in
 * order; each probability draws from the seeded generator, so the same seed and
 * the same request sequence give the same faults.
 */
export function decideFault(
  rules: readonly FaultRule[],
  route: FaultRoute,
  n: number,
  random: () => number,
): FaultKind | undefined {
  for (const rule of rules) {
    if (rule.route !== undefined && rule.route !== route) continue;
    if (rule.at !== undefined ? rule.at.includes(n) : random() < (rule.probability ?? 0)) return rule.kind;
  }
  return undefined;
}
