import { Timeline } from '../../src/report/timeline.js';

test('the timeline stores increases per span, starts at zero, and stays within its size by merging neighbours', () => {
  const t = new Timeline(4);
  t.sample(0, { requests: 2, created: 0, rateLimited: 0, retries: 0 });
  for (let s = 1; s <= 9; s++)
    t.sample(s, { requests: 2 + s * 10, created: s * 10, rateLimited: s >= 5 ? 1 : 0, retries: 0 });
  const points = t.toJSON();
  expect(points.length).toBeLessThanOrEqual(4);
  // Nothing lost in the merging: the sums are the totals since the first sample.
  expect(points.reduce((n, p) => n + p.requests, 0)).toBe(90);
  expect(points.reduce((n, p) => n + p.rateLimited, 0)).toBe(1);
  expect(points[points.length - 1]!.t).toBe(9);
});

test('a final sample just after the last tick joins the span before it: no last-second spike, nothing lost', () => {
  const t = new Timeline();
  t.sample(0, { requests: 0, created: 0, rateLimited: 0, retries: 0 });
  for (let s = 1; s <= 5; s++) t.sample(s, { requests: s * 10, created: s * 10, rateLimited: 0, retries: 0 });
  t.sample(5.1, { requests: 55, created: 55, rateLimited: 0, retries: 0 });
  const points = t.toJSON();
  expect(points.map((p) => p.t)).toEqual([0, 1, 2, 3, 4, 5.1]);
  expect(points[points.length - 1]).toMatchObject({ requests: 15 });
  // The fastest span is ~14.7/s, not 5 requests in 0.1 s (50/s).
  const rates = points.slice(1).map((p, i) => p.requests / (p.t - points[i]!.t));
  expect(Math.max(...rates)).toBeLessThan(15);
  expect(points.reduce((n, p) => n + p.requests, 0)).toBe(55);
});
