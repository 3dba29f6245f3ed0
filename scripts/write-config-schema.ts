import { writeFileSync } from 'node:fs';
import { configJsonSchema } from '../src/config/load.js';

// config.schema.json is generated from the zod schema so editors check configs
// against exactly what the loader accepts; a test fails when it is out of date.
const schema = { ...configJsonSchema, title: 'openphone-import mapping config' };
writeFileSync(new URL('../../config.schema.json', import.meta.url), `${JSON.stringify(schema, null, 2)}\n`);
console.log('wrote config.schema.json');
