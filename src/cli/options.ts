// The loader flags every command that resolves a load graph shares, and the LoaderOptions they mean.
import type { LoaderOptions } from '../loader/load.js';
import type { CliIo } from './io.js';

/** Options shared by every command that resolves a load graph. */
export const LOADER_OPTIONS = {
  root: { type: 'string' },
  'library-path': { type: 'string' },
  preload: { type: 'string' },
  'no-preload-file': { type: 'boolean' },
  hwcaps: { type: 'string' },
  platform: { type: 'string' },
  lib: { type: 'string' },
  secure: { type: 'boolean' },
  'no-secure': { type: 'boolean' },
  'bind-now': { type: 'boolean' },
  color: { type: 'boolean' },
  'no-color': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

type LoaderFlags = { root?: string; 'library-path'?: string; preload?: string; 'no-preload-file'?: boolean; hwcaps?: string; platform?: string; lib?: string; secure?: boolean; 'no-secure'?: boolean };

/** LoaderOptions from the shared flags: host CPU defaults inside '/', baseline inside --root. */
export function loaderOptionsFrom(values: LoaderFlags, io: CliIo): LoaderOptions {
  const root = values.root ?? '/';
  const inRoot = root !== '/';
  const host = inRoot ? null : io.hostHwcaps();
  const hwcaps = values.hwcaps === undefined ? host?.hwcaps : values.hwcaps === 'none' ? [] : values.hwcaps.split(/[,:]/).filter(Boolean);
  return {
    root,
    cwd: inRoot ? '/' : io.cwd,
    libraryPath: values['library-path'] ?? null,
    preload: values.preload ?? null,
    preloadFile: !values['no-preload-file'],
    ...(hwcaps ? { hwcaps } : {}),
    ...(host && values.hwcaps === undefined && !values.platform ? { legacyHwcaps: host.legacyHwcaps, platform: host.platform } : {}),
    ...(values.platform ? { platform: values.platform } : {}),
    ...(values.lib ? { lib: values.lib } : {}),
    secure: values.secure ? true : values['no-secure'] ? false : null,
  };
}
