/**
 * The V8 flags the `openphone-import` command runs with: the first line of
 * cli.ts hands them to node (a test keeps the two the same).
 *
 * A streaming batch job keeps little alive from one record to the next, yet
 * V8's defaults (16 MB semi-spaces, and an old generation allowed to grow
 * toward a limit sized from the machine's memory) let garbage pile up to
 * several times what the job holds: a 1,000,000-record dry run peaked at
 * 200 MB. 2 MB semi-spaces and a 1 GB old-space limit, far above what even a
 * resume over a million journalled records holds, keep it near 130 MB at
 * about the same speed (npm run bench:dry-run measures it).
 */
export const NODE_FLAGS = ['--max-semi-space-size=2', '--max-old-space-size=1024'] as const;
