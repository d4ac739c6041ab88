// User settings persisted as JSON (XDG config dir): load with clear warnings, validated patches, atomic writes.
import { constants as fsConstants, type Stats } from 'node:fs';
import * as fsp from 'node:fs/promises';
import path from 'node:path';
import { makeDirs } from '../shared/make-dirs';
import { readAtMost } from '../shared/read-at-most';
import { writeFileAtomic } from '../shared/write-file-atomic';
import type { ContractError, Result, SettingsView } from '../../common/contract';
import {
  defaultSettings,
  describeFieldErrors,
  parseSettings,
  parseSettingsLenient,
  type FieldError,
  type Settings,
  type SettingsPatch,
} from '../../common/settings';
import { describeFieldError, unknownSettingKeys } from '../../common/settings-keys';
import {
  deepMerge,
  deletePath,
  flatten,
  isPlain,
  setPath,
  type Plain,
} from '../../common/settings-paths';
import { AppError } from '../shared/app-error';
import { appConfigFile } from '../shared/xdg';

export interface SettingsStore {
  readonly file: string;
  /** Read the file; a missing file means defaults, a bad one means defaults plus warnings (file untouched). */
  load(): Promise<{ warnings: string[] }>;
  /** The effective settings: the saved ones with this session's overrides (CLI flags) on top. */
  get(): Settings;
  view(): SettingsView;
  /** Deep-merge and validate a patch; on any error nothing changes (memory or disk). */
  set(patch: Record<string, unknown>): Promise<Result<SettingsView>>;
  onChange(fn: (view: SettingsView) => void): () => void;
}

export interface SettingsStoreOptions {
  /** Defaults to defaultSettingsFile(). */
  file?: string;
  /** Session-only values (CLI flags); never written; a patch touching one of these keys replaces it. */
  overrides?: SettingsPatch;
}

/** `$XDG_CONFIG_HOME/containerd-desktop/settings.json`, default `~/.config/…`. */
export const defaultSettingsFile = (env?: NodeJS.ProcessEnv, home?: string): string =>
  appConfigFile('settings.json', env, home);

/** A settings file is a few KiB; anything bigger is not one (a symlink to a log, /dev/zero…). */
export const MAX_SETTINGS_FILE_BYTES = 1024 * 1024;

/** What kind of thing is there, for the message when it is not a regular file. */
function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  return 'not a regular file';
}

/**
 * The settings file's text, read only if it is a regular file of at most MAX_SETTINGS_FILE_BYTES:
 * opened non-blocking (a FIFO there would otherwise hang the start), then checked by fstat, and
 * never read past the bound (a file may grow while it is read).
 */
async function readSettingsFile(
  file: string,
): Promise<{ text: string } | { problem: string } | { missing: true }> {
  let fh: fsp.FileHandle;
  try {
    fh = await fsp.open(file, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK | fsConstants.O_NOCTTY);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { missing: true };
    return { problem: `could not be read (${code ?? String(err)})` };
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) return { problem: `is ${kindOf(st)}, not a regular file` };
    if (st.size > MAX_SETTINGS_FILE_BYTES)
      return {
        problem: `is ${st.size} bytes; a settings file is at most ${MAX_SETTINGS_FILE_BYTES}`,
      };
    const buf = await readAtMost(fh, MAX_SETTINGS_FILE_BYTES);
    if (!buf) return { problem: `grew past ${MAX_SETTINGS_FILE_BYTES} bytes while it was read` };
    return { text: buf.toString('utf8') };
  } catch (err) {
    return { problem: `could not be read (${(err as NodeJS.ErrnoException).code ?? String(err)})` };
  } finally {
    await fh.close().catch(() => undefined);
  }
}

function invalid(errors: FieldError[], what: string): ContractError {
  return {
    code: 'invalid-settings',
    message: `${what}: ${describeFieldErrors(errors)}`,
    hint: 'Fix the named fields and try again; nothing was changed.',
    fields: errors,
  };
}

async function writeAtomic(file: string, text: string): Promise<void> {
  await makeDirs(path.dirname(file), 0o700);
  await writeFileAtomic(file, text, 0o600);
}

/** Session overrides as a patch, without the leaf keys that `patch` sets (the user's newer choice). */
function overridesWithout(overrides: Plain, patch: Plain): Plain {
  const out = structuredClone(overrides);
  for (const [key] of flatten(patch)) deletePath(out, key);
  // A patch that replaces a whole group (or sets it to a non-object) clears that group's overrides.
  for (const [key, value] of Object.entries(patch)) if (!isPlain(value)) deletePath(out, key);
  return out;
}

export function createSettingsStore(opts: SettingsStoreOptions = {}): SettingsStore {
  const file = opts.file ?? defaultSettingsFile();
  let overrides: Plain = {};
  for (const [key, value] of flatten((opts.overrides ?? {}) as Plain))
    setPath(overrides, key, value);
  let saved = defaultSettings();
  const first = parseSettings(deepMerge(saved as Plain, overrides));
  if (!first.ok) {
    throw new AppError(
      'invalid-override',
      `invalid command-line setting: ${describeFieldErrors(first.errors)}`,
      'Fix the named option (e.g. --root/--state need absolute paths) and run again.',
      { fields: first.errors },
    );
  }
  let effective = first.value;
  // Set when the file on disk could not be used as it is: back it up before a save rewrites it.
  let badFileOnDisk = false;
  const listeners = new Set<(view: SettingsView) => void>();
  let queue: Promise<unknown> = Promise.resolve();

  const view = (): SettingsView => ({
    settings: effective,
    defaults: defaultSettings(),
    file,
    sessionOnly: flatten(overrides).map(([key]) => key),
  });
  const backupNote = `saving settings from the app keeps a copy as ${path.basename(file)}.invalid-<time>`;

  async function load(): Promise<{ warnings: string[] }> {
    const warnings: string[] = [];
    const useDefaults = (why: string) => {
      badFileOnDisk = true;
      warnings.push(
        `Settings file ${file} ${why}; using the defaults for now. Fix or delete the file ` +
          `(it is left as is; ${backupNote}).`,
      );
    };
    const read = await readSettingsFile(file);
    if ('problem' in read) useDefaults(read.problem);
    const text = 'text' in read ? read.text : null;
    let next = defaultSettings();
    if (text !== null) {
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch (err) {
        useDefaults(`is not valid JSON (${(err as Error).message})`);
      }
      if (json !== undefined && !isPlain(json)) useDefaults('does not hold a JSON object');
      else if (json !== undefined) {
        // One bad key costs that key only: the rest of the file still applies.
        const r = parseSettingsLenient(json);
        next = r.value;
        if (r.errors.length) badFileOnDisk = true;
        for (const e of r.errors) {
          warnings.push(
            `Settings file ${file}: ${describeFieldError(e).replace(/[^?.]$/, '$&.')} The rest of the file applies ` +
              `(the file is left as is; ${backupNote}).`,
          );
        }
      }
    }
    const merged = parseSettings(deepMerge(next as Plain, overrides));
    if (merged.ok) {
      saved = next;
      effective = merged.value;
    } else {
      warnings.push(
        `The command-line settings conflict with ${file}: ${describeFieldErrors(merged.errors)}; using the file's settings without them.`,
      );
      overrides = {};
      saved = next;
      effective = next;
    }
    return { warnings };
  }

  async function applyPatch(patch: Record<string, unknown>): Promise<Result<SettingsView>> {
    const unknown = unknownSettingKeys(patch);
    if (unknown.length) return { ok: false, error: invalid(unknown, 'settings not saved') };
    const nextSaved = parseSettings(deepMerge(saved as Plain, patch));
    if (!nextSaved.ok) return { ok: false, error: invalid(nextSaved.errors, 'settings not saved') };
    const nextOverrides = overridesWithout(overrides, patch);
    const nextEffective = parseSettings(deepMerge(nextSaved.value as Plain, nextOverrides));
    if (!nextEffective.ok) {
      return {
        ok: false,
        error: invalid(nextEffective.errors, 'settings conflict with command-line options'),
      };
    }
    try {
      // Only a regular file of sane size is worth a copy (copying a FIFO would wait forever).
      const st = badFileOnDisk ? await fsp.stat(file).catch(() => null) : null;
      if (st?.isFile() && st.size <= MAX_SETTINGS_FILE_BYTES) {
        await fsp.copyFile(file, `${file}.invalid-${Date.now()}`).catch(() => undefined);
      }
      await writeAtomic(file, `${JSON.stringify(nextSaved.value, null, 2)}\n`);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      return {
        ok: false,
        error: {
          code: 'settings-write',
          message: `could not save settings to ${file}: ${e.code ?? e.message}`,
          hint: `Check that ${path.dirname(file)} exists and is writable by you; nothing was changed.`,
        },
      };
    }
    badFileOnDisk = false;
    saved = nextSaved.value;
    overrides = nextOverrides;
    effective = nextEffective.value;
    const v = view();
    for (const fn of listeners) {
      try {
        fn(v);
      } catch {
        // A failing listener must not undo a saved change or starve the others.
      }
    }
    return { ok: true, value: v };
  }

  return {
    file,
    load,
    get: () => effective,
    view,
    set(patch) {
      // One write at a time, so two quick patches cannot interleave or lose each other.
      const run = queue.then(() => applyPatch(patch));
      queue = run.catch(() => undefined);
      return run;
    },
    onChange(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
  };
}
