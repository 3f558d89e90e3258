/**
 * Generators of hostile text shared by the fuzz suite and the character tests. Uniformly random code points
 * almost never hit the few SQS refuses (2 in 1.1 million are U+FFFE/U+FFFF), so those are drawn on purpose.
 */
import fc from 'fast-check';

/** Characters the edge must handle: SQS refuses these, or they are non-characters, or they break naive code. */
export const NASTY_CHARACTERS = [
  '\uFFFE',
  '\uFFFF',
  '\uD800', // a lone high surrogate
  '\uDFFF', // a lone low surrogate
  '\u0000',
  '\u0001',
  '\u001F',
  '\u007F',
  '\u0085',
  '\uFDD0',
  '\uFDEF',
  '\u{1FFFE}',
  '\u{10FFFF}',
  '\u200B',
  '\u202E', // right-to-left override
  '\uFEFF',
  '\r',
  '\n',
  '\t',
  '"',
  '\\',
  '%',
  '&',
  '=',
  '+',
  '<',
  '>',
  '😀',
];

/** One character: often a nasty one, otherwise anything (any code point, or plain ASCII). */
export const hostileChar = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...NASTY_CHARACTERS) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
  { weight: 5, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }) },
);

/** Text of such characters. */
export const hostileText = (maxLength = 24) => fc.string({ unit: hostileChar, maxLength });
