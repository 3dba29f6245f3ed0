#!/usr/bin/env node
// The openphone-import command. Everything it does is in cli/main.ts, which runs nothing when imported.
import { runMain } from './cli/main.js';

await runMain(process.argv.slice(2));
