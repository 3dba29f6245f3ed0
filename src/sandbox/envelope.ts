/** The API's error bodies, as the contract documents them. */
export interface FieldError {
  readonly path: string;
  readonly message: string;
  readonly value?: unknown;
  readonly schema: { readonly type: string };
}

/** The newest spec's item for 400 0801400: which custom field, and why. */
export interface CustomFieldError {
  readonly key: string;
  readonly reason: string;
}

export interface ErrorEnvelope {
  readonly message: string;
  readonly code: string;
  readonly status: number;
  readonly docs: string;
  readonly title: string;
  readonly trace?: string;
  readonly errors?: readonly (FieldError | CustomFieldError)[];
}

const TITLES: Record<number, [string, string]> = {
  400: ['0801400', 'Invalid Custom Field Item'],
  401: ['0800401', 'Unauthorized'],
  403: ['0801403', 'Not Phone Number User'],
  422: ['0800422', 'Unprocessable Entity'],
  404: ['0800404', 'Not Found'],
  409: ['0800409', 'Conflict'],
  429: ['0800429', 'Too Many Requests'],
  500: ['0801500', 'Unknown'],
  502: ['0801502', 'Bad Gateway'],
  503: ['0801503', 'Service Unavailable'],
};

export function envelope(
  status: number,
  message: string,
  trace: string,
  errors?: readonly (FieldError | CustomFieldError)[],
  code?: string,
): ErrorEnvelope {
  const [defaultCode, title] = TITLES[status] ?? [`0801${status}`, 'Error'];
  return {
    message,
    code: code ?? defaultCode,
    status,
    docs: 'https://www.openphone.com/docs',
    title: status === 400 && code === '0800400' ? 'Bad Request' : title,
    trace,
    ...(errors !== undefined && errors.length > 0 && { errors }),
  };
}

/** The observed live 401 bodies: a different message for a missing and a wrong key. */
export function unauthorizedBody(missing: boolean, trace: string) {
  return { error: { message: missing ? 'Missing authorization header' : 'Unauthorized', key: 'Unauthorized', trace } };
}

/** The live 409 for a second contact with an externalId the workspace has (observed: flat, no trace). */
export const CONFLICT_BODY = {
  message: 'Failed to create contact',
  code: '0800409',
  status: 409,
  docs: 'https://openphone.com/docs',
  title: 'Conflict',
} as const;
