#!/usr/bin/env node
// node scripts/pam-auth-update.mjs ROOT: what Debian's libpam-runtime postinst does at install time
// (`pam-auth-update --package`), for a root unpacked with dpkg-deb, whose maintainer scripts never run:
// /etc/pam.d/common-{auth,account,password,session,session-noninteractive} written from the templates in
// /usr/share/pam and the profiles in /usr/share/pam-configs that are on by default. The same algorithm
// as pam-auth-update's create_from_template, lines_for_module_and_type and merge_one_line (a fresh
// install: no local edits to merge). Nothing of the root is run; a root that has common-auth is left alone.
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = process.argv[2];
if (!root) {
  console.error('usage: node scripts/pam-auth-update.mjs ROOT');
  process.exit(2);
}
const pamd = join(root, 'etc/pam.d');
const templates = join(root, 'usr/share/pam');
const configs = join(root, 'usr/share/pam-configs');
if (existsSync(join(pamd, 'common-auth')) || !existsSync(pamd) || !existsSync(templates) || !existsSync(configs)) process.exit(0);

/** parse_pam_profile: "Field: value" lines, continuation lines appended (trimmed, joined by newlines). */
function parseProfile(text) {
  const p = {};
  let field = '';
  // Each line with its newline, as Perl reads it: /^(\S+):\s+(.*)\s*$/ keeps a value's trailing blanks,
  // and "Auth:" alone opens an empty field.
  for (const line of text.split(/(?<=\n)/)) {
    const m = /^(\S+):\s+(.*)\s*$/.exec(line);
    if (m) {
      field = m[1].replace(/-Final$/, '');
      p[field] = m[2];
    } else {
      const t = line.trim();
      if (t) p[field] = `${p[field] ?? ''}\n${t}`;
      // pam-auth-update's @invalid_modules: a profile that names pam_tally is left out.
      if (/pam_tally/.test(p[field] ?? '')) p.disabled = true;
      if (p[field] !== undefined) p[field] = p[field].replace(/^\s+/, '');
    }
  }
  // Debian 12's test; Debian 13's is "ne 'yes'": the same for the profiles both ship (systemd's says yes).
  if (p['Session-Interactive-Only'] === undefined) {
    p['Session-noninteractive-Type'] = p['Session-Type'];
    p['Session-noninteractive'] = p.Session;
    p['Session-noninteractive-Initial'] = p['Session-Initial'];
  }
  return p;
}

// Perl's split: no trailing empty fields, nothing from an undefined or empty string.
const perlSplit = (s) => {
  const a = s ? s.split('\n') : [];
  while (a.at(-1) === '') a.pop();
  return a;
};

// Profiles as pam-auth-update reads the directory (editor backups skipped); those on by default, highest
// Priority first, ties by name in reverse order (its sort: "Priority <=> || $b cmp $a").
const profiles = readdirSync(configs)
  .filter((n) => !n.endsWith('~') && !/^#.+#$/.test(n))
  .map((name) => ({ name, ...parseProfile(readFileSync(join(configs, name), 'utf8')) }))
  .filter((p) => !p.disabled);
const priority = (p) => parseFloat(p.Priority) || 0;
const enabled = profiles.filter((p) => p.Default === 'yes').sort((a, b) => priority(b) - priority(a) || (a.name < b.name ? 1 : a.name > b.name ? -1 : 0));

const linesFor = (p, type, position) => (position === 0 && p[`${type}-Initial`] ? p[`${type}-Initial`] : p[type] ?? '');

/** merge_one_line without local edits: "end" in the control becomes the count of lines still to come. */
function mergeOneLine(line, count) {
  const m = /^((\[[^\]]+\]|\w+)\s+\S+)\s*(.*)/.exec(line);
  if (!m) return `${line}\n`;
  return `${m[1].replaceAll('end', String(count))} ${m[3].split(/\s+/).filter(Boolean).join(' ')}\n`;
}

for (const type of ['auth', 'account', 'password', 'session', 'session-noninteractive']) {
  const template = join(templates, `common-${type}`);
  if (!existsSync(template)) continue;
  const uctype = type[0].toUpperCase() + type.slice(1);
  const prefix = type.replace(/-noninteractive/, '');
  let out = '';
  let state = 0;
  for (const line of readFileSync(template, 'utf8').split(/(?<=\n)/)) {
    if (state === 1 || state === 3) {
      if ((state === 1 && line.startsWith("# here's the fallback if no module succeeds")) || (state === 3 && line.startsWith('# end of pam-auth-update config'))) {
        out += line;
        state++;
      }
      continue;
    }
    out += line;
    const block = state === 0 && line.startsWith('# here are the per-package modules (the "Primary" block)') ? 'Primary'
      : state === 2 && line.startsWith('# and here are more per-package modules (the "Additional" block)') ? 'Additional' : null;
    if (block === null) continue;
    const lines = enabled.filter((p) => p[`${uctype}-Type`] === block).map((p, i) => perlSplit(linesFor(p, uctype, i)));
    let count = lines.reduce((n, l) => n + l.length, 0);
    // Something in the Additional block may jump: not off the end of the stack.
    if (block === 'Additional') count--;
    // No Primary block: a stock pam_permit line keeps the stack intact.
    if (block === 'Primary' && count === 0) out += `${prefix}\t[default=1]\t\t\tpam_permit.so\n`;
    for (const l of lines.flat()) out += `${prefix}\t${mergeOneLine(l, count--)}`;
    state++;
  }
  if (state === 4) writeFileSync(join(pamd, `common-${type}`), out);
}
