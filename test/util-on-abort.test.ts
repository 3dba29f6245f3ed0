import { getEventListeners } from 'node:events';
import { onAbort } from '../src/util/on-abort.js';

test('runs every waiting cancel once when the signal aborts, through one listener', () => {
  const ac = new AbortController();
  const ran: number[] = [];
  for (let i = 0; i < 50; i++) onAbort(ac.signal, () => ran.push(i));
  expect(getEventListeners(ac.signal, 'abort')).toHaveLength(1);
  ac.abort();
  ac.abort();
  expect(ran).toEqual(Array.from({ length: 50 }, (_, i) => i));
});

test('a forgotten cancel does not run; its slot is reused without losing the new one', () => {
  const ac = new AbortController();
  const ran: string[] = [];
  const forgetA = onAbort(ac.signal, () => ran.push('a'));
  forgetA();
  const forgetB = onAbort(ac.signal, () => ran.push('b'));
  // A second forget of A must not empty the slot B now holds.
  forgetA();
  ac.abort();
  expect(ran).toEqual(['b']);
  forgetB();
});

test('an already aborted signal cancels at once and adds no listener', () => {
  const ac = new AbortController();
  ac.abort();
  let ran = 0;
  const forget = onAbort(ac.signal, () => ran++);
  expect(ran).toBe(1);
  expect(getEventListeners(ac.signal, 'abort')).toHaveLength(0);
  forget();
});

test('signals are independent', () => {
  const [a, b] = [new AbortController(), new AbortController()];
  const ran: string[] = [];
  onAbort(a.signal, () => ran.push('a'));
  onAbort(b.signal, () => ran.push('b'));
  b.abort();
  expect(ran).toEqual(['b']);
});
