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
 * MALLOC_ARENA_MAX=2: glibc gives each thread that allocates its own malloc
 * arena, and node has a dozen threads; two arenas measured 6 to 9 MB less at
 * the peak of a two-thread dry run (npm run bench:dry-run measures it).
 * Other C libraries ignore it.
 */
export const NODE_FLAGS = ['--max-semi-space-size=1', '--max-old-space-size=1024'] as const;
export const NODE_ENV = { MALLOC_ARENA_MAX: '2' } as const;

/** The command's first line, built from the two above. */
export const SHEBANG = `#!/usr/bin/env -S ${Object.entries(NODE_ENV)
  .map(([k, v]) => `${k}=${v}`)
  .join(' ')} node ${NODE_FLAGS.join(' ')}`;
