/**
 * SIGINT and SIGTERM as one AbortSignal for a job that stops cleanly (an
 * import, a rollback): `onStop` says what happens next, once per signal.
 * `dispose` removes the listeners when the job is over.
 */
export function stopOnSignals(onStop: (name: 'SIGINT' | 'SIGTERM') => void): {
  readonly signal: AbortSignal;
  dispose(): void;
} {
  const stop = new AbortController();
  const handlers = (['SIGINT', 'SIGTERM'] as const).map((name) => {
    const handler = () => {
      onStop(name);
      stop.abort();
    };
    process.once(name, handler);
    return [name, handler] as const;
  });
  return {
    signal: stop.signal,
    dispose: () => {
      for (const [name, handler] of handlers) process.off(name, handler);
    },
  };
}
