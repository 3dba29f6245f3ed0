import { UsageError } from '../errors.js';
import type { Log } from '../log.js';
import { writeMetricsFile } from './metrics.js';
import { isTrouble, outcomePayload, outcomeText, endedWell, type RunOutcome } from './outcome.js';
import { monitorUrl, postTo, shownUrl } from './post.js';

/** The flags that tell the world how an unattended run went. */
export interface MonitorFlags {
  /** --notify URL: the outcome as JSON, POSTed when the run ends. */
  readonly notify?: string | undefined;
  /** --notify-on: only when there is trouble (the default), or always. */
  readonly notifyOn?: 'trouble' | 'always' | undefined;
  /** --ping-url URL: the health-check convention (URL/start, URL, URL/fail). */
  readonly pingUrl?: string | undefined;
  /** --metrics-file PATH: the Prometheus text format, for node_exporter's textfile collector. */
  readonly metricsFile?: string | undefined;
}

const checked = (text: string | undefined, flag: string): URL | undefined => {
  if (text === undefined) return undefined;
  const url = monitorUrl(text, flag);
  if (typeof url === 'string')
    throw new UsageError('MONITOR_URL_INVALID', url, {
      hint: `give the full address, e.g. ${flag} https://hc-ping.com/your-check-id`,
    });
  return url;
};

/** URL/start, URL/fail: the suffix goes on the path, before any query. */
function withSuffix(url: URL, suffix: string): URL {
  const next = new URL(url.href);
  next.pathname = `${next.pathname.replace(/\/$/, '')}/${suffix}`;
  return next;
}

/**
 * What a run tells its monitors: a ping when it starts, and when it ends, the
 * ping, the notification and the metrics file, all at once. None of them can
 * fail the run: a monitor that cannot be reached is a warning, and a post
 * waits at most a few seconds.
 */
export class RunMonitors {
  private readonly notify: URL | undefined;
  private readonly ping: URL | undefined;

  /** Checks the flags before anything else runs: a bad URL is a usage error, not a silent night. */
  constructor(
    private readonly flags: MonitorFlags,
    private readonly log: Log,
  ) {
    this.notify = checked(flags.notify, '--notify');
    this.ping = checked(flags.pingUrl, '--ping-url');
    if (flags.notifyOn !== undefined && flags.notify === undefined)
      throw new UsageError('NOTIFY_ON_ALONE', '--notify-on goes with --notify, which is not set', {
        hint: 'add --notify URL, or leave --notify-on out',
      });
  }

  async started(): Promise<void> {
    if (this.ping !== undefined) await this.post(withSuffix(this.ping, 'start'), '', 'text/plain', '--ping-url');
  }

  async ended(outcome: RunOutcome): Promise<void> {
    const posts: Promise<void>[] = [];
    if (this.ping !== undefined)
      posts.push(
        this.post(
          endedWell(outcome) ? this.ping : withSuffix(this.ping, 'fail'),
          outcomeText(outcome),
          'text/plain; charset=utf-8',
          '--ping-url',
        ),
      );
    if (this.notify !== undefined && (this.flags.notifyOn === 'always' || isTrouble(outcome)))
      posts.push(this.post(this.notify, JSON.stringify(outcomePayload(outcome)), 'application/json', '--notify'));
    if (this.flags.metricsFile !== undefined) {
      const why = writeMetricsFile(this.flags.metricsFile, outcome);
      if (why !== undefined)
        this.log.warn(
          `--metrics-file ${this.flags.metricsFile}: not written (${why}); the run's result stands`,
          'METRICS_NOT_WRITTEN',
        );
    }
    await Promise.all(posts);
  }

  private async post(url: URL, body: string, type: string, flag: string): Promise<void> {
    const why = await postTo(url, body, type);
    if (why !== undefined)
      this.log.warn(
        `${flag}: could not post to ${shownUrl(url)} (${why}); the run's result stands`,
        flag === '--notify' ? 'NOTIFY_FAILED' : 'PING_FAILED',
      );
  }
}
