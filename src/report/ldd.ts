// `--format ldd`: the lines `ldd FILE` prints (rtld.c trace mode), in its order, without the load addresses.
import type { LoadGraph, VersionProblem } from '../graph/model.js';
import { shown } from './shown.js';

/** Signalled outside _dl_receive_error's receiver: printed as the fatal error, and ld.so stops. */
const stopsAtOnce = (p: VersionProblem) => p.kind === 'unsupported-verneed' || p.kind === 'relr-without-abi-version';

/**
 * Whether ldd refuses the file ("not a dynamic executable" on stderr, exit 1): no PT_DYNAMIC, or no loader
 * of its class to run it — ldd runs the architecture's standard ld.so whatever PT_INTERP says, so a
 * missing PT_INTERP alone does not stop ldd.
 */
export const lddRefuses = (g: LoadGraph) =>
  g.linkage === 'static' || (g.fatal?.stage === 'exec' && !g.objects.some((o) => o.kind === 'interp' && o.class !== null));

export function renderLdd(g: LoadGraph): string {
  g = shown(g);
  if (lddRefuses(g)) return '';
  // ld.so reports a fatal error in trace mode on stdout, in place of the list.
  const fatalLine = (message: string) => `${g.program}: error while loading shared libraries: ${message}\n`;
  if (g.fatal && (g.fatal.stage ?? 'load') === 'load') return fatalLine(g.fatal.message);
  // Version reports come first (print_missing_version: program name, object, text); the list follows.
  const versions = (g.versionCheck ?? []).map((p) => (stopsAtOnce(p) ? fatalLine(p.message) : `${g.program}: ${p.message}\n`));
  // An assertion of ld.so's own prints only its "Inconsistency detected" line, on stderr, after the version
  // reports printed so far (an abort while mapping comes before the check: none).
  if (g.versionCheck?.some(stopsAtOnce) || g.fatal?.stage === 'abort') return versions.join('');
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
