import type { Config } from '../../src/config/schema.js';
import { mergeConfig, withProposedColumns } from '../../src/init/update-config.js';

const proposed: Config = {
  externalId: 'Record ID',
  defaultFields: {
    firstName: 'First Name',
    phoneNumbers: [
      { name: 'mobile', column: 'Mobile Phone' },
      { name: 'work', column: 'Work Phone' },
    ],
  },
};

test('a fresh config lists the columns init proposed, last in the file', () => {
  const written = withProposedColumns(proposed);
  expect(Object.keys(written).at(-1)).toBe('proposedByInit');
  expect(written.proposedByInit).toEqual(['Mobile Phone', 'Work Phone', 'First Name', 'Record ID']);
});

test('init --update does not propose again a column whose mapping the person removed; a new column is proposed and listed', () => {
  // Init proposed Mobile Phone once; the person removed its mapping. The export now also has Work Phone.
  const existing: Config = {
    externalId: 'Record ID',
    defaultFields: { firstName: 'First Name' },
    proposedByInit: ['Record ID', 'First Name', 'Mobile Phone'],
  };
  const { config, added } = mergeConfig(existing, proposed);
  expect(added).toEqual(['defaultFields.phoneNumbers[0]: "Work Phone"']);
  expect(config.defaultFields.phoneNumbers).toEqual([{ name: 'work', column: 'Work Phone' }]);
  expect(config.proposedByInit).toEqual(['Record ID', 'First Name', 'Mobile Phone', 'Work Phone']);
  // Again with the same export: nothing to add, the list as it was.
  const again = mergeConfig(config, proposed);
  expect(again.added).toEqual([]);
  expect(again.config).toEqual(config);
});

test('a config written before proposedByInit gets every proposal it lacks once, then the list', () => {
  const legacy: Config = { externalId: 'Record ID', defaultFields: { firstName: 'First Name' } };
  const { config, added } = mergeConfig(legacy, proposed);
  expect(added).toHaveLength(2);
  expect(config.proposedByInit).toEqual(['Mobile Phone', 'Work Phone', 'First Name', 'Record ID']);
});
