import type { User } from '../api/contract.js';

/** A user made up for an id: what the sandbox lists when only ids are given. */
export const sandboxUser = (id: string, i = 0): User => ({
  id,
  email: `${id.toLowerCase()}@sandbox.example`,
  firstName: 'Sandbox',
  lastName: `User ${i + 1}`,
  role: i === 0 ? 'owner' : 'member',
});
