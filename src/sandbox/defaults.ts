/** The sandbox's defaults, the live API's where it is known: the CLI's flags take them from here. */
export const SANDBOX_DEFAULTS = {
  port: 4010,
  host: '127.0.0.1',
  rate: 10,
  seed: 1,
  uniqueExternalId: '409',
  patchArrays: 'replace',
} as const;
