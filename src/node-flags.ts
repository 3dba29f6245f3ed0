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
 * glibc's malloc, for the buffers of file I/O and of messages between threads:
 * - MALLOC_ARENA_MAX=2: glibc gives each thread that allocates its own arena,
 *   and node has a dozen threads; two arenas measured 6 to 9 MB less at the
 *   peak of a two-thread dry run.
 * - MALLOC_MMAP_THRESHOLD_=131072: blocks of 128 KB or more (a batch's message
 *   between threads is a few hundred KB) always get their own mapping, given
 *   back when freed. Left to itself glibc raises that threshold after the first
 *   such free and serves them from the heap, which fragments: peaks of 138 to
 *   165 MB over runs of the same million records, against 135 MB every time.
 * Other C libraries ignore both; npm run bench:dry-run measures the effect.
 */
export const NODE_FLAGS = ['--max-semi-space-size=1', '--max-old-space-size=1024'] as const;
export const NODE_ENV = { MALLOC_ARENA_MAX: '2', MALLOC_MMAP_THRESHOLD_: '131072' } as const;

/** The command's first line, built from the two above. */
export const SHEBANG = `#!/usr/bin/env -S ${Object.entries(NODE_ENV)
  .map(([k, v]) => `${k}=${v}`)
  .join(' ')} node ${NODE_FLAGS.join(' ')}`;
