// Dynamic string tokens ($ORIGIN, $PLATFORM, $LIB) and search-path lists (glibc elf/dl-load.c:
// is_dst, _dl_dst_substitute, fillin_rpath, decompose_rpath; elf/dl-deps.c: expand_dst).

export interface DstValues {
  /** Directory of the object the string belongs to; null when unknown. */
  readonly origin: string | null;
  readonly platform: string;
  readonly lib: string;
}

const TOKENS = ['ORIGIN', 'PLATFORM', 'LIB'] as const;
type Token = (typeof TOKENS)[number];

/** The token starting at s[i] === '$' and its length, or null (is_dst). */
function tokenAt(s: string, i: number): { token: Token; length: number } | null {
  for (const t of TOKENS) {
    if (s.startsWith(`{${t}}`, i + 1)) return { token: t, length: t.length + 3 };
    if (s.startsWith(t, i + 1) && !/[A-Za-z0-9_]/.test(s.charAt(i + 1 + t.length))) return { token: t, length: t.length + 1 };
  }
  return null;
}

export function hasDst(s: string): boolean {
  for (let i = s.indexOf('$'); i >= 0; i = s.indexOf('$', i + 1)) if (tokenAt(s, i)) return true;
  return false;
}

/**
 * Expands every token; null when a token has no value (unknown origin) or, in secure mode, when
 * $ORIGIN is not the whole first component (`_dl_dst_substitute`'s check_for_trusted rules).
 */
export function expandDst(s: string, v: DstValues, secure = false): string | null {
  let out = '';
  for (let i = 0; i < s.length; ) {
    const t = s[i] === '$' ? tokenAt(s, i) : null;
    if (!t) {
      out += s[i];
      i++;
      continue;
    }
    let value: string | null;
    if (t.token === 'ORIGIN') {
      value = v.origin;
      if (secure && !(i === 0 && (i + t.length === s.length || s[i + t.length] === '/'))) return null;
    } else {
      value = t.token === 'PLATFORM' ? v.platform : v.lib;
    }
    if (value === null) return null;
    out += value;
    i += t.length;
  }
  return out;
}

/**
 * Directory strings of an RPATH/RUNPATH (split on ':') or LD_LIBRARY_PATH (':' and ';'), each expanded,
 * with trailing slashes replaced by exactly one; empty elements stay (they mean the current directory),
 * elements that cannot be expanded are dropped, duplicates within the list are removed.
 */
export function pathList(spec: string, separators: RegExp, v: DstValues, secure = false, trusted?: (dir: string) => boolean): string[] {
  const out = new Set<string>();
  for (const element of spec.split(separators)) {
    const expanded = expandDst(element, v, secure);
    if (expanded === null) continue;
    if (secure && trusted && element.includes('$ORIGIN') && !trusted(expanded)) continue;
    out.add(expanded === '' ? '' : expanded.replace(/\/+$/, '') + '/');
  }
  return [...out];
}

/** Directory part of an l_name, as _dl_new_object computes l_origin (no symlink resolution). */
export function originOf(path: string, cwd: string): string {
  const abs = path.startsWith('/') ? path : `${cwd.replace(/\/+$/, '')}/${path}`;
  const slash = abs.lastIndexOf('/');
  return slash <= 0 ? '/' : abs.slice(0, slash);
}

/** glibc's is_trusted_path_normalize for secure-mode $ORIGIN of the executable: normalise, then prefix-test. */
export function normalizePath(p: string): string {
  const parts: string[] = [];
  for (const c of p.split('/')) {
    if (c === '' || c === '.') continue;
    if (c === '..') parts.pop();
    else parts.push(c);
  }
  return '/' + parts.join('/') + (p.endsWith('/') && parts.length ? '/' : '');
}
