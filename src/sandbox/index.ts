export { startSandbox, type Sandbox, type SandboxOptions, type SandboxStats, type RequestLogEntry } from './server.js';
export { parseFaultSpec, type FaultRule, type FaultKind } from './faults.js';
export { DEFAULT_CUSTOM_FIELDS, type CustomFieldDefinition } from './custom-fields.js';
export type { Contact } from './contact-store.js';
