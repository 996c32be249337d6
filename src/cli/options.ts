// The loader flags every command that resolves a load graph shares, and the pipeline options they mean.
import type { AnalyseOptions } from '../pipeline.js';
import type { FileInfo } from '../loader/fs.js';
import { type CliIo, UsageError } from './io.js';

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
  'no-runtime': { type: 'boolean' },
  'pam-service': { type: 'string' },
  color: { type: 'boolean' },
  'no-color': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

type LoaderFlags = {
  root?: string; 'library-path'?: string; preload?: string; 'no-preload-file'?: boolean; hwcaps?: string; platform?: string; lib?: string;
  secure?: boolean; 'no-secure'?: boolean; 'bind-now'?: boolean; 'no-runtime'?: boolean; 'pam-service'?: string; 'no-code'?: boolean; 'no-suggest'?: boolean;
};

/** The pipeline's options from the shared flags (and the graph command's --no-code, --no-suggest). */
export function analyseOptionsFrom(values: LoaderFlags): AnalyseOptions {
  // An empty --root (an unset variable in a script) would otherwise mean the host's /.
  if (values.root === '') throw new UsageError('--root needs a directory (it is empty)');
  return {
    ...(values.root !== undefined ? { root: values.root } : {}),
    libraryPath: values['library-path'] ?? null,
    preload: values.preload ?? null,
    preloadFile: !values['no-preload-file'],
    ...(values.hwcaps !== undefined ? { hwcaps: values.hwcaps === 'none' ? [] : values.hwcaps.split(/[,:]/).filter(Boolean) } : {}),
    ...(values.platform ? { platform: values.platform } : {}),
    ...(values.lib ? { lib: values.lib } : {}),
    secure: values.secure ? true : values['no-secure'] ? false : null,
    bindNow: values['bind-now'] === true,
    ...(values['no-runtime'] ? { runtime: false } : {}),
    ...(values['pam-service'] ? { pamService: values['pam-service'] } : {}),
    ...(values['no-code'] ? { code: false } : {}),
    ...(values['no-suggest'] ? { suggest: false } : {}),
  };
}

/** What a FILE|DIR argument names in a root, resolved as the pipeline resolves it (relative to / inside a root, else to the working directory); null when nothing. */
export function kindIn(io: Pick<CliIo, 'graphFs' | 'cwd'>, root: string | undefined, path: string): FileInfo['kind'] | null {
  const inRoot = root !== undefined && root !== '/';
  const abs = path.startsWith('/') ? path : inRoot ? `/${path}` : `${io.cwd.replace(/\/+$/, '')}/${path}`;
  const st = io.graphFs(root ?? '/').stat(abs);
  return st.ok ? st.value.kind : null;
}
