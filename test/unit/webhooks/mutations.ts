/** Every one-character change of a string, for "any change is refused" signature tests. */

/** `text` with the character at `i` replaced by a different one (its code with the lowest bit flipped). */
export const flipAt = (text: string, i: number): string =>
  text.slice(0, i) + String.fromCharCode(text.charCodeAt(i) ^ 1) + text.slice(i + 1);

/** One variant per position of `text`, each differing from it in exactly that character. */
export const everyOneCharChange = (text: string): string[] => Array.from(text, (_c, i) => flipAt(text, i));
