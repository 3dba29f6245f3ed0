import { JobAbortedError } from '../../src/errors.js';
import { Runner } from '../../src/job/runner.js';

const deferred = () => {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
};

test('at most `concurrency` tasks run at once, and submit holds the reader at twice that', async () => {
  const runner = new Runner({ concurrency: 2 });
  const gates = Array.from({ length: 6 }, deferred);
  let running = 0;
  let peak = 0;
  const task = (i: number) => async () => {
    running++;
    peak = Math.max(peak, running);
    await gates[i]!.promise;
    running--;
  };
  for (let i = 0; i < 3; i++) await runner.submit(task(i));
  let held = true;
  const fourth = runner.submit(task(3)).then(() => (held = false));
  await new Promise((r) => setImmediate(r));
  expect(held).toBe(true);
  gates[0]!.resolve();
  await fourth;
  expect(held).toBe(false);
  gates.forEach((g) => g.resolve());
  expect(await runner.finish()).toEqual({});
  expect(peak).toBe(2);
});

test('a signal that came before the runner stops it at once', async () => {
  const ac = new AbortController();
  ac.abort();
  const runner = new Runner({ concurrency: 1, signal: ac.signal, graceMs: 0 });
  expect(runner.keepReading).toBe(false);
  expect(runner.stopping.signal.aborted).toBe(true);
  expect(await runner.finish()).toEqual({ stoppedEarly: 'stopped by a signal' });
});

test('a draining stop (--max-rows) stops reading but lets requests start', async () => {
  const runner = new Runner({ concurrency: 1 });
  runner.stop('--max-rows 5 reached', true);
  expect(runner.keepReading).toBe(false);
  expect(runner.stopping.signal.aborted).toBe(false);
  expect(await runner.finish()).toEqual({ stoppedEarly: '--max-rows 5 reached' });
});

test('a stop cuts requests on their way after the grace period', async () => {
  const runner = new Runner({ concurrency: 1, graceMs: 10 });
  runner.stop('stopped by a signal');
  expect(runner.cutInFlight.signal.aborted).toBe(false);
  await new Promise((r) => runner.cutInFlight.signal.addEventListener('abort', r));
  await runner.finish();
});

test('an abort wins over a stop and cuts at once; any other error is rethrown', async () => {
  const runner = new Runner({ concurrency: 1 });
  runner.stop('--max-duration reached');
  runner.abort(new JobAbortedError('AUTH_REJECTED', 'the key was refused', { hint: 'check the key' }));
  expect(runner.cutInFlight.signal.aborted).toBe(true);
  expect(() => runner.abort(new Error('a bug'))).toThrow('a bug');
  expect(await runner.finish()).toEqual({ aborted: 'the key was refused', abortHint: 'check the key' });
});

test('a task that throws makes finish throw', async () => {
  const runner = new Runner({ concurrency: 1 });
  await runner.submit(async () => {
    throw new Error('disk full');
  });
  await expect(runner.finish()).rejects.toThrow('disk full');
});

describe('start-up reads go through the runner', () => {
  test('a refusal aborts the run; the steps after it do not run', async () => {
    const runner = new Runner({ concurrency: 1, graceMs: 0 });
    const refusal = new JobAbortedError('AUTH_REJECTED', 'the key was refused', { hint: 'check the key' });
    expect(await runner.startup(() => Promise.reject(refusal))).toBe(false);
    let ran = false;
    expect(await runner.startup(async () => void (ran = true))).toBe(false);
    expect(ran).toBe(false);
    expect(await runner.finish()).toEqual({ aborted: 'the key was refused', abortHint: 'check the key' });
  });

  test('a read the stop cuts short ends the run as stopped, not aborted; its step is given the stop', async () => {
    const runner = new Runner({ concurrency: 1, graceMs: 0 });
    const going = runner.startup(
      (stop) =>
        new Promise<void>((_, reject) =>
          stop.addEventListener('abort', () =>
            reject(new JobAbortedError('API_UNREACHABLE', 'the read got no answer', {})),
          ),
        ),
    );
    runner.stop('stopped by a signal');
    expect(await going).toBe(false);
    expect(await runner.finish()).toEqual({ stoppedEarly: 'stopped by a signal' });
  });

  test('an error that is not a refusal is thrown on (a bug)', async () => {
    const runner = new Runner({ concurrency: 1 });
    await expect(runner.startup(() => Promise.reject(new TypeError('a bug')))).rejects.toThrow('a bug');
    await runner.finish();
  });
});
