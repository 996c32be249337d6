// `--format ldd`: the lines `ldd FILE` prints (rtld.c trace mode), in its order, without the load addresses.
import type { LoadGraph, VersionProblem } from '../graph/model.js';

/** Signalled outside _dl_receive_error's receiver: printed as the fatal error, and ld.so stops. */
const stopsAtOnce = (p: VersionProblem) => p.kind === 'unsupported-verneed' || p.kind === 'relr-without-abi-version';

export function renderLdd(g: LoadGraph): string {
  // The kernel cannot start it: ldd finds no loader to run it with and says so on stderr only.
  if (g.fatal?.stage === 'exec') return '';
  // ld.so reports a fatal error in trace mode on stdout, in place of the list.
  const fatalLine = (message: string) => `${g.program}: error while loading shared libraries: ${message}\n`;
  if (g.fatal && g.fatal.stage !== 'versions') return fatalLine(g.fatal.message);
  if (g.linkage === 'static') return '';
  // Version reports come first (print_missing_version: program name, object, text); the list follows.
  const versions = (g.versionCheck ?? []).map((p) => (stopsAtOnce(p) ? fatalLine(p.message) : `${g.program}: ${p.message}\n`));
  if (g.versionCheck?.some(stopsAtOnce)) return versions.join('');
  if (g.linkage === 'no-needs') return versions.join('') + '\tstatically linked\n';
  const lines: string[] = [];
  for (const o of g.objects) {
    if (o.kind === 'program') continue;
    if (o.kind === 'missing') lines.push(`\t${o.name} => not found`);
    else if (o.kind === 'vdso' || o.name === o.path) lines.push(`\t${o.name}`);
    else lines.push(`\t${o.name} => ${o.path}`);
  }
  return versions.join('') + lines.map((l) => l + '\n').join('');
}
