/**
 * The sections of docs/PERFORMANCE.md that a bench mode writes on its own (`envelope`, `idle`): each between
 * `<!-- bench:<name>:start -->` and `<!-- bench:<name>:end -->`, replaced in place by the next run of that mode and
 * kept as they are by a run that did not measure them.
 */
const marks = (name: string) => [`<!-- bench:${name}:start -->`, `<!-- bench:${name}:end -->`] as const;

/** Puts `section` in place of the last one of that name, or before "## 5. Memory" the first time. */
export function spliceSection(md: string, name: string, section: string): string {
  const [open, close] = marks(name);
  const start = md.indexOf(open);
  const end = md.indexOf(close);
  if (start >= 0 && end > start) return md.slice(0, start) + section + md.slice(end + close.length);
  const at = md.indexOf('## 5. Memory');
  return at >= 0 ? `${md.slice(0, at)}${section}\n\n${md.slice(at)}` : `${md}\n\n${section}\n`;
}

/** The section of that name in `md`, markers included, or undefined. */
export function sectionOf(md: string | undefined, name: string): string | undefined {
  if (!md) return undefined;
  const [open, close] = marks(name);
  const start = md.indexOf(open);
  const end = md.indexOf(close);
  return start >= 0 && end > start ? md.slice(start, end + close.length) : undefined;
}
