import { UserDirectory } from '../../src/workspace/users.js';

const USERS = [
  { id: 'USada', email: 'Ada@Acme.example', firstName: 'Ada', lastName: 'Lovelace', role: 'owner' },
  { id: 'USgrace', email: 'grace@acme.example', firstName: 'Grace', lastName: 'Hopper', role: 'member' },
  { id: 'USsam1', email: 'sam.one@acme.example', firstName: 'Sam', lastName: 'Smith', role: 'member' },
  { id: 'USsam2', email: 'sam.two@acme.example', firstName: 'Sam', lastName: 'Smith', role: 'member' },
];

test('the directory matches an owner by e-mail or by full name, without regard to case or spacing; a name two users share names neither', () => {
  const d = new UserDirectory(USERS);
  expect(d.match(' ada@acme.EXAMPLE ')).toMatchObject({ kind: 'user', user: { id: 'USada' } });
  expect(d.match('grace   hopper')).toMatchObject({ kind: 'user', user: { id: 'USgrace' } });
  expect(d.match('Sam Smith')).toMatchObject({ kind: 'ambiguous', users: [{ id: 'USsam1' }, { id: 'USsam2' }] });
  expect(d.match('nobody@acme.example')).toEqual({ kind: 'none' });
});
