import { Timeline } from '../src/report/timeline.js';

test('the timeline stores increases per span, starts at zero, and stays within its size by merging neighbours', () => {
  const t = new Timeline(4);
  t.sample(0, { requests: 2, created: 0, rateLimited: 0, retries: 0 });
  for (let s = 1; s <= 9; s++) t.sample(s, { requests: 2 + s * 10, created: s * 10, rateLimited: s >= 5 ? 1 : 0, retries: 0 });
  const points = t.toJSON();
  expect(points.length).toBeLessThanOrEqual(4);
  // Nothing lost in the merging: the sums are the totals since the first sample.
  expect(points.reduce((n, p) => n + p.requests, 0)).toBe(90);
  expect(points.reduce((n, p) => n + p.rateLimited, 0)).toBe(1);
  expect(points[points.length - 1]!.t).toBe(9);
});
