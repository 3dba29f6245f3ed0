/**
 * How the `openphone-import` command starts node: the first line of cli.ts
 * sets this environment and hands node these flags (a test keeps the two the
 * same), and the benchmark starts its dry run the same way.
 *
 * A streaming batch job keeps little alive from one record to the next, yet
 * V8's defaults (16 MB semi-spaces, and an old generation allowed to grow
 * toward a limit sized from the machine's memory) let garbage pile up to
 * several times what the job holds: a 1,000,000-record dry run peaked at
 * 200 MB. 1 MB semi-spaces (per thread: a large dry run maps in two) and a
 * 1 GB old-space limit, far above what even a resume over a million
 * journalled records holds, keep it under 150 MB at the same speed.
 *
 * --no-parallel-scavenge: young-generation collections run on the thread
 * that needs them instead of also waking helper threads. With both cores
 * busy mapping, the helpers only competed with them: over five alternating
 * pairs of 100,000-record dry runs (node --trace-gc), collections took 20-25%
 * less time in all, and the runs 0.5-14% less.
 *
 * MALLOC_MMAP_THRESHOLD_=131072: glibc's malloc gives blocks of 128 KB or more
 * (a batch's message between threads is a few hundred KB) their own mapping,
 * returned when freed. Left to itself glibc raises that threshold after the
 * first such free and serves them from its heap, which fragments: peaks of 138
 * to 165 MB over runs of the same million records, against 134-138 MB with it.
 * (MALLOC_ARENA_MAX=2 saved about 1 MB more and is left out: the first line
 * must stay within the 127 characters older Linux kernels read.) Other C
 * libraries ignore it; npm run bench:dry-run measures the effect.
 */
export const NODE_FLAGS = ['--max-semi-space-size=1', '--max-old-space-size=1024', '--no-parallel-scavenge'] as const;
export const NODE_ENV = { MALLOC_MMAP_THRESHOLD_: '131072' } as const;

/** The command's first line, built from the two above. */
export const SHEBANG = `#!/usr/bin/env -S ${Object.entries(NODE_ENV)
  .map(([k, v]) => `${k}=${v}`)
  .join(' ')} node ${NODE_FLAGS.join(' ')}`;
