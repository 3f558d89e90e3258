/**
 * Where the windows come from: the file bundled into the reconciler at build time (config as code,
 * reviewed like code), or — for local runs and tests — the file named by WINDOWS_FILE, re-read when it
 * changes so a newcomer can add a window to a running local stack.
 */
import { readFileSync, statSync } from 'node:fs';
import { parseWindowsFile, parseWindowsJson, type WindowsFile } from './windows.js';

export function windowsSource(opts: { path?: string; bundled: unknown }): () => WindowsFile {
  if (!opts.path) {
    const file = parseWindowsFile(opts.bundled); // cold start: a bad file fails the deployment's first run loudly
    return () => file;
  }
  const path = opts.path;
  let cached: { mtimeMs: number; file: WindowsFile } | undefined;
  const read = () => {
    const mtimeMs = statSync(path).mtimeMs;
    if (!cached || cached.mtimeMs !== mtimeMs) cached = { mtimeMs, file: parseWindowsJson(readFileSync(path, 'utf8')) };
    return cached.file;
  };
  read();
  return read;
}
