/**
 * The characters a queued command may carry. Every command ends up as the body of an SQS message, and SQS
 * refuses a whole SendMessage whose body holds a character outside its allowed set: #x9 | #xA | #xD |
 * #x20–#xD7FF | #xE000–#xFFFD | #x10000–#x10FFFF (so other control characters, lone surrogates, U+FFFE and
 * U+FFFF are out). An ingress that let one through would answer 500 to a signed request, and the vendor would
 * retry it forever. Both ingress sides (incident sources, chat) use this module: free text (titles, reasons,
 * display names) is cleaned, identifiers (incident ids, segment names, user ids, reply URLs) holding such a
 * character are refused, because repairing an identifier would silently name something else.
 *
 * JSON.stringify escapes control characters and lone surrogates (`\u0001`, `\ud800`), so in a JSON body only
 * U+FFFE and U+FFFF would actually reach SQS raw; the rule is applied to the values anyway, so nothing depends on
 * how a command happens to be serialised. The other Unicode non-characters (U+FDD0–U+FDEF and the last two code
 * points of every plane) are inside SQS's set, but no real text holds them, so they are treated the same way.
 */

/** Whether SQS accepts the code point in a message body (its documented set, nothing more). */
export function sqsAllows(cp: number): boolean {
  if (cp < 0x20) return cp === 0x9 || cp === 0xa || cp === 0xd;
  if (cp <= 0xd7ff) return true;
  if (cp < 0xe000) return false; // a surrogate: for…of yields one alone only when it is unpaired
  if (cp <= 0xfffd) return true;
  return cp >= 0x10000 && cp <= 0x10ffff;
}

/** Refused at the edge: what SQS refuses, plus the Unicode non-characters (see the module comment). */
function refused(cp: number): boolean {
  if (!sqsAllows(cp)) return true;
  if (cp >= 0xfdd0 && cp <= 0xfdef) return true;
  return (cp & 0xfffe) === 0xfffe;
}

/** The first character of `value` the edge refuses, as `U+XXXX`, or undefined when there is none. */
export function refusedCharacter(value: string): string | undefined {
  for (const ch of value) {
    const cp = ch.codePointAt(0) ?? 0;
    if (refused(cp)) return `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
  }
  return undefined;
}

/** Whether `value` holds a character the edge refuses (see {@link refusedCharacter}). */
export const holdsRefusedCharacter = (value: string): boolean => refusedCharacter(value) !== undefined;

/** `value` without the characters the edge refuses, trimmed, cut to `max` characters (code points). */
export function cleanText(value: string, max: number): string {
  let kept = '';
  for (const ch of value) if (!refused(ch.codePointAt(0) ?? 0)) kept += ch;
  // Cut by code points, so a cut never leaves half a surrogate pair (itself a character SQS refuses).
  const chars = Array.from(kept.trim());
  return chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : chars.join('');
}

/**
 * The first character of a message body SQS would refuse, as `U+XXXX`, or undefined when SQS accepts it all:
 * the exact documented set, for checking what is about to be sent.
 */
export function sqsRefusedCharacter(body: string): string | undefined {
  for (const ch of body) {
    const cp = ch.codePointAt(0) ?? 0;
    if (!sqsAllows(cp)) return `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
  }
  return undefined;
}
