import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import yargs from 'yargs';
import { EXIT_MEANINGS, ExitCode, ImportError } from '../errors.js';
import { jsonLogLine } from '../log.js';
import { didYouMean } from '../util/nearest.js';
import { demoDef, initDef, optionNames, rollbackDef, runDef, sandboxDef, statusDef } from './command-defs.js';
import { packageRoot } from './paths.js';

/**
 * The command line: parse, dispatch, and map what comes back to an exit code.
 * Importing this module runs nothing; `runMain` is the only place that touches
 * process.exitCode. The commands are defined in command-defs.ts. Everything below it
 * throws ImportError (a user's problem, with its exit code) or anything else
 * (a bug in this program, exit 70 with the stack).
 */

function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

export async function main(argv: string[]): Promise<number> {
  let exitCode: number = ExitCode.ok;
  const setExit = (code: number) => {
    exitCode = code;
  };
  const defs = [initDef(), runDef(setExit), statusDef(), rollbackDef(setExit), sandboxDef(), demoDef(setExit)];
  const options = optionNames(defs);
  await yargs(argv)
    // English whatever LANG says: the messages below are rewritten from yargs's English, and the rest of the tool speaks it.
    .locale('en')
    .scriptName('openphone-import')
    .usage(
      'openphone-import <command> [options]\n\nImport contacts from a CSV export, an Excel workbook (.xlsx) or vCards (.vcf) into OpenPhone, resumably and within the API rate limit.',
    )
    .command(defs)
    .demandCommand(1, 'name a command: init, run, status, rollback, sandbox, demo')
    .recommendCommands()
    .example('openphone-import init -i contacts.csv -o import.json', '1. write a config from the export')
    .example('openphone-import run -c import.json -i contacts.csv --dry-run', '2. check every record, send nothing')
    .example(
      'OPENPHONE_API_KEY=... openphone-import run -c import.json -i contacts.csv',
      '3. import (the same command resumes)',
    )
    .example(
      'openphone-import rollback --state-dir contacts.openphone-import',
      '4. undo: list, then --yes to delete, the contacts the job created',
    )
    .epilogue(
      `The API key is read from OPENPHONE_API_KEY only. Exit codes:\n${Object.entries(EXIT_MEANINGS)
        .map(([code, meaning]) => `  ${code.padStart(2)}  ${meaning}`)
        .join('\n')}`,
    )
    .strict()
    .fail((msg, err) => {
      if (err) throw err;
      throw new ImportError('USAGE', withSuggestions(msg, options), ExitCode.usage, {
        hint: 'see openphone-import --help, or openphone-import <command> --help',
      });
    })
    // --help and --version print and return: only runMain touches the process.
    .exitProcess(false)
    .version(packageVersion())
    .help()
    .parseAsync();
  return exitCode;
}

/**
 * yargs says "Unknown argument: dry-rn" and "Did you mean run?" without the
 * word that was wrong: both are rewritten to name it and the nearest option or
 * command.
 */
function withSuggestions(msg: string, options: readonly string[]): string {
  const unknown = /^Unknown arguments?: (.+)$/.exec(msg);
  if (unknown) {
    // yargs lists a dashed name twice, as itself and camel-cased: the dashed one is what was typed.
    const names = unknown[1]!.split(', ').filter((n) => !/[A-Z]/.test(n));
    return names.map((n) => `unknown option --${n}${didYouMean(n, options).replace(/"([^"]+)"/, '--$1')}`).join('; ');
  }
  const command = /^Did you mean (\S+)\?$/.exec(msg);
  if (command)
    return `unknown command: did you mean ${command[1]}? (commands: init, run, status, rollback, sandbox, demo)`;
  return msg;
}

/** Runs the command line and sets the process's exit code; never throws. */
export async function runMain(argv: string[]): Promise<void> {
  // --log-format json: every line on stderr is JSON, the errors too.
  const json = argv.includes('--log-format=json') || argv[argv.indexOf('--log-format') + 1] === 'json';
  try {
    process.exitCode = await main(argv);
  } catch (err) {
    if (err instanceof ImportError) {
      process.stderr.write(
        json
          ? jsonLogLine('error', {
              event: 'error',
              code: err.code,
              exitCode: err.exitCode,
              message: err.message,
              ...(err.hint !== undefined && { hint: err.hint }),
            })
          : `error: ${err.message}\n${err.hint !== undefined ? `hint: ${err.hint}\n` : ''}`,
      );
      process.exitCode = err.exitCode;
    } else {
      const text = err instanceof Error ? (err.stack ?? err.message) : String(err);
      process.stderr.write(
        json
          ? jsonLogLine('error', {
              event: 'internal-error',
              exitCode: ExitCode.internal,
              message: 'a bug in openphone-import, please report it',
              stack: text,
            })
          : `internal error (this is a bug in openphone-import, please report it):\n${text}\n`,
      );
      process.exitCode = ExitCode.internal;
    }
  }
}
