import { bad, ok, ProblemCode, type Converted } from '../problem.js';

// Deliberately plain: one @, no spaces, a dot in the domain. Full RFC 5322 accepts
// addresses no mail system delivers to; this catches the real mistakes in exports
// (names in the email column, missing domains, two addresses in one cell).
const EMAIL = /^[^\s@,;<>()"]+@[^\s@,;<>()"]+\.[^\s@,;<>()".]{2,}$/;

export function toEmail(value: string): Converted<string> {
  const v = value.replace(/^mailto:/i, '').trim();
  return EMAIL.test(v) ? ok(v) : bad(ProblemCode.emailInvalid, 'expected an email address such as name@example.com');
}
