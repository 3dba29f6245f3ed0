import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { ROOT } from './helpers/paths.js';

/** The error classes a user sees (errors.ts and its subclasses). */
const USER_ERRORS = new Set(['ImportError', 'UsageError', 'JobAbortedError', 'ReportWriteError']);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** Each `new XError(code, message, …)` in src that passes no details object with a hint. */
function errorsWithoutHint(): string[] {
  const out: string[] = [];
  for (const file of sourceFiles(join(ROOT, 'src'))) {
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
    const visit = (node: ts.Node): void => {
      if (ts.isNewExpression(node) && USER_ERRORS.has(node.expression.getText(source))) {
        const details = node.arguments?.find(
          (a) => ts.isObjectLiteralExpression(a) && a.properties.some((p) => p.name?.getText(source) === 'hint'),
        );
        if (details === undefined)
          out.push(`${relative(ROOT, file)}:${source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1}`);
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return out;
}

test('every error a user can see says what to do, apart from what is wrong (a hint)', () => {
  expect(errorsWithoutHint()).toEqual([]);
});
