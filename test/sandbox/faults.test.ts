import { parseFaultSpec } from '../../src/sandbox/faults.js';
import { startSandbox } from '../../src/sandbox/server.js';
import type { SandboxOptions } from '../../src/sandbox/options.js';
import { decideFault } from '../../src/sandbox/faults.js';
import { seededRandom } from '../../src/sandbox/random.js';
import { maxInAnyWindow } from '../../src/sandbox/rate-window.js';
import { call, contactBody } from '../helpers/sandbox.js';

async function withSandbox<T>(
  options: SandboxOptions,
  fn: (sb: Awaited<ReturnType<typeof startSandbox>>) => Promise<T>,
): Promise<T> {
  const sb = await startSandbox({ rate: 0, ...options });
  try {
    return await fn(sb);
  } finally {
    await sb.stop();
  }
}

/** POSTs and notes what came back: a status, or 'cut' when the connection ended with no answer. */
async function post(
  sb: Awaited<ReturnType<typeof startSandbox>>,
  id: string,
  timeoutMs = 5000,
): Promise<number | 'cut' | 'timeout'> {
  try {
    return (await call(sb, 'POST', '/v1/contacts', contactBody(id), sb.apiKey, timeoutMs)).status;
  } catch (err) {
    return (err as Error).name === 'TimeoutError' ? 'timeout' : 'cut';
  }
}

describe('fault spec', () => {
  test('parses probabilities, request numbers and routes', () => {
    expect(parseFaultSpec('post:500=0.05, drop=#2#5,get:429=1')).toEqual([
      { route: 'post', kind: '500', probability: 0.05 },
      { kind: 'drop', at: [2, 5] },
      { route: 'get', kind: '429', probability: 1 },
    ]);
    expect(parseFaultSpec('')).toEqual([]);
  });
  test.each([['post:500'], ['put:500=0.1'], ['post:418=0.1'], ['500=2'], ['500=#0']])(
    '%j is a usage error that says what was expected',
    (spec) => {
      expect(() => parseFaultSpec(spec)).toThrow(/--faults: .*expected \[route:\]kind=probability/);
    },
  );
  test('the same seed gives the same faults for the same requests', () => {
    const rules = parseFaultSpec('500=0.1,reset=0.1,drop=0.1');
    const seq = (seed: number) => {
      const random = seededRandom(seed);
      return Array.from({ length: 500 }, (_, i) => decideFault(rules, 'post', i + 1, random) ?? '-');
    };
    expect(seq(7)).toEqual(seq(7));
    expect(seq(7)).not.toEqual(seq(8));
    const counts = seq(7).reduce<Record<string, number>>((m, k) => ({ ...m, [k]: (m[k] ?? 0) + 1 }), {});
    // Each of 500, reset, drop hits roughly its share (0.1, then 0.09, 0.081 of what is left).
    expect(counts['500']).toBeGreaterThan(25);
    expect(counts.reset).toBeGreaterThan(20);
    expect(counts.drop).toBeGreaterThan(15);
  });
  test('a rule for one route leaves the others alone', () => {
    const rules = parseFaultSpec('post:500=1');
    expect(decideFault(rules, 'get', 1, Math.random)).toBeUndefined();
    expect(decideFault(rules, 'post', 1, Math.random)).toBe('500');
  });
});

describe('each fault kind happens when asked', () => {
  test.each([['500'], ['502'], ['503']])('%s at request #2 of POST', async (kind) => {
    await withSandbox({ faults: parseFaultSpec(`post:${kind}=#2`) }, async (sb) => {
      expect([await post(sb, 'a'), await post(sb, 'b'), await post(sb, 'c')]).toEqual([201, Number(kind), 201]);
      const r = await call(sb, 'GET', '/v1/contacts?externalIds=b');
      expect(r.body.data).toHaveLength(0);
      expect(sb.stats().byFault).toEqual({ [kind]: 1 });
    });
  });

  test('reset: the connection is cut and the contact is not stored', async () => {
    await withSandbox({ faults: parseFaultSpec('post:reset=#1') }, async (sb) => {
      expect(await post(sb, 'r1')).toBe('cut');
      expect(sb.contacts()).toHaveLength(0);
      expect(await post(sb, 'r2')).toBe(201);
    });
  });

  test('drop: the contact is stored, then the connection is cut with no answer', async () => {
    await withSandbox({ faults: parseFaultSpec('post:drop=#1') }, async (sb) => {
      expect(await post(sb, 'd1')).toBe('cut');
      expect(sb.contacts().map((c) => c.externalId)).toEqual(['d1']);
      expect(sb.requests()[0]).toMatchObject({ status: 0, fault: 'drop' });
    });
  });

  test('hang: no answer within the client timeout', async () => {
    await withSandbox({ faults: parseFaultSpec('post:hang=#1'), hangMs: 60_000 }, async (sb) => {
      expect(await post(sb, 'h1', 300)).toBe('timeout');
      expect(await post(sb, 'h2')).toBe(201);
    });
  });

  test('429 burst: every request in the burst gets 429, whatever the rate', async () => {
    await withSandbox({ faults: parseFaultSpec('post:429=#2'), burstMs: 60_000 }, async (sb) => {
      expect([await post(sb, 'a'), await post(sb, 'b'), await post(sb, 'c')]).toEqual([201, 429, 429]);
      expect((await call(sb, 'GET', '/v1/contact-custom-fields')).status).toBe(429);
    });
  });

  test('latency: no answer comes sooner than the range minimum', async () => {
    await withSandbox({ latencyMs: [60, 80] }, async (sb) => {
      const started = performance.now();
      expect(await post(sb, 'l1')).toBe(201);
      expect(performance.now() - started).toBeGreaterThanOrEqual(59);
    });
  });

  test('probabilistic faults repeat exactly with the same seed over real HTTP', async () => {
    const run = (seed: number) =>
      withSandbox({ seed, faults: parseFaultSpec('post:500=0.2,post:reset=0.1,post:drop=0.1') }, async (sb) => {
        const out = [];
        for (let i = 0; i < 40; i++) out.push(await post(sb, `s${i}`));
        return { out, stored: sb.contacts().map((c) => c.externalId) };
      });
    const a = await run(11);
    const b = await run(11);
    expect(a).toEqual(b);
    expect(new Set(a.out)).toEqual(new Set([201, 500, 'cut']));
  });
});

test('maxInAnyWindow counts the busiest rolling second', () => {
  expect(maxInAnyWindow([0, 100, 200, 999, 1000, 1001, 1999])).toBe(5);
  expect(maxInAnyWindow([0, 1000, 2000])).toBe(1);
  expect(maxInAnyWindow([])).toBe(0);
});
