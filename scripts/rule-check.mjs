// `npm run rules`: the AWS Control Tower proactive controls (cfn-guard rules) over the packaged CloudFormation
// template (`npm run package` writes it). Every finding must be listed in scripts/rule-check-accepted.json with
// its reason; an unlisted finding fails, and so does a listed one that no longer fails (a stale exception).
//
// The guard binary and the rules come from the npm registry, pinned by version and integrity: the package
// @cdklabs/cdk-validator-cfnguard ships cfn-guard for Linux and macOS (x86_64, aarch64) and the Control Tower
// rules. It is fetched with `npm pack` into node_modules/.cache rather than installed as a devDependency,
// because installing it pulls in its peer aws-cdk-lib (hundreds of MB) that nothing here uses. After the first
// run the npm cache and node_modules/.cache make it work offline.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const PKG = '@cdklabs/cdk-validator-cfnguard';
const VERSION = '0.0.62';
const INTEGRITY = 'sha512-Sg2k8067B0AIJ82QFSLhHTUIqxOYTKABvVrTHiyc6j0rE2NHli2diIYqf+w+DkuDKCYYgMIOga3OrYMOHUw0mQ==';
const TEMPLATE = '.serverless/cloudformation-template-update-stack.json';
const ACCEPTED = 'scripts/rule-check-accepted.json';

const cacheDir = join('node_modules', '.cache', 'cfn-guard', VERSION);
const pkgDir = join(cacheDir, 'package');

function fetchGuard() {
  if (existsSync(join(pkgDir, 'guard-version.json'))) return;
  rmSync(cacheDir, { recursive: true, force: true });
  mkdirSync(cacheDir, { recursive: true });
  const out = execFileSync('npm', ['pack', `${PKG}@${VERSION}`, '--pack-destination', cacheDir, '--json'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [{ filename }] = JSON.parse(out);
  const tgz = join(cacheDir, filename);
  const got = `sha512-${createHash('sha512').update(readFileSync(tgz)).digest('base64')}`;
  if (got !== INTEGRITY) throw new Error(`${PKG}@${VERSION}: integrity ${got}, expected ${INTEGRITY}`);
  execFileSync('tar', ['xzf', tgz, '-C', cacheDir]);
}

function guardBinary() {
  const os = { linux: 'ubuntu', darwin: 'macos' }[process.platform];
  const arch = { x64: 'x86_64', arm64: 'aarch64' }[process.arch];
  if (!os || !arch) throw new Error(`no cfn-guard binary in ${PKG} for ${process.platform}/${process.arch}`);
  return join(pkgDir, 'bin', os, arch, 'cfn-guard');
}

/** cfn-guard's JSON output is one JSON document per rules file, concatenated. */
function parseConcatenated(text) {
  const docs = [];
  let i = 0;
  while (i < text.length) {
    while (i < text.length && /\s/.test(text[i])) i++;
    if (i >= text.length) break;
    let depth = 0;
    let inString = false;
    let j = i;
    for (; j < text.length; j++) {
      const c = text[j];
      if (inString) {
        if (c === '\\') j++;
        else if (c === '"') inString = false;
      } else if (c === '"') inString = true;
      else if (c === '{') depth++;
      else if (c === '}' && --depth === 0) break;
    }
    docs.push(JSON.parse(text.slice(i, j + 1)));
    i = j + 1;
  }
  return docs;
}

/** Each failing control: its Control Tower id (CT.X.PR.N), its title and the resources that fail it. */
function findings(docs) {
  const out = new Map();
  for (const doc of docs) {
    for (const rule of doc.not_compliant ?? []) {
      const text = JSON.stringify(rule);
      const m = /\[(CT\.[A-Z0-9]+\.PR\.\d+)\]: ([^\\]+)/.exec(text);
      const id = m?.[1] ?? rule.Rule?.name ?? 'unknown';
      const entry = out.get(id) ?? { id, title: m?.[2]?.trim() ?? '', resources: new Set() };
      for (const r of text.matchAll(/"path":"\/Resources\/([^/"]+)/g)) entry.resources.add(r[1]);
      out.set(id, entry);
    }
  }
  return [...out.values()].map((f) => ({ ...f, resources: [...f.resources].sort() }));
}

if (!existsSync(TEMPLATE)) {
  console.error(`${TEMPLATE} is missing: run npm run package first`);
  process.exit(2);
}
fetchGuard();
const run = spawnSync(
  guardBinary(),
  ['validate', '-r', join(pkgDir, 'rules', 'control-tower', 'cfn-guard'), '-d', TEMPLATE, '-o', 'json', '-S', 'none'],
  { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 },
);
if (run.error) throw run.error;
const docs = parseConcatenated(run.stdout);
const found = findings(docs);
const accepted = JSON.parse(readFileSync(ACCEPTED, 'utf8'));
let failed = 0;
for (const f of found) {
  const a = accepted[f.id];
  const unlisted = a?.resources ? f.resources.filter((r) => !a.resources.includes(r)) : [];
  if (a?.reason && !unlisted.length) console.log(`accepted ${f.id} (${f.resources.join(', ')}): ${a.reason}`);
  else if (unlisted.length) {
    failed++;
    console.error(`FAIL ${f.id} ${f.title} — ${unlisted.join(', ')} (accepted only for ${a.resources.join(', ')})`);
  } else {
    failed++;
    console.error(`FAIL ${f.id} ${f.title} — ${f.resources.join(', ')} (fix it, or accept it in ${ACCEPTED})`);
  }
}
for (const id of Object.keys(accepted).filter((k) => !k.startsWith('_'))) {
  if (!found.some((f) => f.id === id)) {
    failed++;
    console.error(`STALE ${id} is accepted in ${ACCEPTED} but no longer fails: remove it`);
  }
}
console.log(`rule check: ${docs.length} Control Tower rule files, ${found.length} findings, ${failed} not accepted`);
process.exit(failed ? 1 : 0);
