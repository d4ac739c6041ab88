// User settings persisted as JSON (XDG config dir): load with clear warnings, validated patches, atomic writes.
import * as fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { writeFileAtomic } from '../engine/write-file-atomic';
import type { ContractError, Result, SettingsView } from '../../common/contract';
import {
  defaultSettings,
  parseSettings,
  type FieldError,
  type Settings,
} from '../../common/settings';
import { AppError } from './app-error';
import { deepMerge, isPlain, unknownKeys, type Plain } from './settings-merge';

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
  /** Session-only values (e.g. --root); never written; a patch touching one of these keys replaces it. */
  overrides?: Partial<Settings>;
}

/** `$XDG_CONFIG_HOME/containerd-desktop/settings.json`, default `~/.config/…`. */
export function defaultSettingsFile(
  env: NodeJS.ProcessEnv = process.env,
  home = os.homedir(),
): string {
  const xdg = env.XDG_CONFIG_HOME;
  const base = xdg && path.isAbsolute(xdg) ? xdg : path.join(home, '.config');
  return path.join(base, 'containerd-desktop', 'settings.json');
}

function invalid(errors: FieldError[], what: string): ContractError {
  return {
    code: 'invalid-settings',
    message: `${what}: ${errors.map((e) => `${e.field}: ${e.message}`).join('; ')}`,
    hint: 'Fix the named fields and try again; nothing was changed.',
    fields: errors,
  };
}

function validate(
  input: Plain,
): { ok: true; value: Settings } | { ok: false; errors: FieldError[] } {
  const unknown = unknownKeys(input, defaultSettings() as unknown as Plain);
  const parsed = parseSettings(input);
  if (!unknown.length) return parsed;
  // Report typos by name (ours) plus every other bad field (zod's, minus its vaguer unknown-key issues).
  const rest = parsed.ok ? [] : parsed.errors.filter((e) => !/^unrecognized key/i.test(e.message));
  return { ok: false, errors: [...unknown, ...rest] };
}

async function writeAtomic(file: string, text: string): Promise<void> {
  await fsp.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  await writeFileAtomic(file, text, 0o600);
}

export function createSettingsStore(opts: SettingsStoreOptions = {}): SettingsStore {
  const file = opts.file ?? defaultSettingsFile();
  let overrides: Plain = { ...(opts.overrides ?? {}) };
  let saved = defaultSettings();
  const first = validate(deepMerge(saved as unknown as Plain, overrides));
  if (!first.ok) {
    throw new AppError(
      'invalid-override',
      `invalid command-line setting: ${first.errors.map((e) => `${e.field}: ${e.message}`).join('; ')}`,
      'Fix the named option (e.g. --root/--state need absolute paths) and run again.',
      { fields: first.errors },
    );
  }
  let effective = first.value;
  // Set when the file on disk could not be used: back it up before the first write replaces it.
  let badFileOnDisk = false;
  const listeners = new Set<(view: SettingsView) => void>();
  let queue: Promise<unknown> = Promise.resolve();

  const view = (): SettingsView => ({ settings: effective, defaults: defaultSettings(), file });

  async function load(): Promise<{ warnings: string[] }> {
    const warnings: string[] = [];
    const useDefaults = (why: string) => {
      badFileOnDisk = true;
      warnings.push(
        `Settings file ${file} ${why}; using the defaults for now. Fix or delete the file ` +
          `(it is left as is; saving settings from the app keeps a copy as ${path.basename(file)}.invalid-<time>).`,
      );
    };
    let text: string | null = null;
    try {
      text = await fsp.readFile(file, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') useDefaults(`could not be read (${code ?? String(err)})`);
    }
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
        const r = validate(json);
        if (r.ok) next = r.value;
        else
          useDefaults(
            `has invalid fields: ${r.errors.map((e) => `${e.field}: ${e.message}`).join('; ')}`,
          );
      }
    }
    const merged = validate(deepMerge(next as unknown as Plain, overrides));
    if (merged.ok) {
      saved = next;
      effective = merged.value;
    } else {
      warnings.push(
        `The command-line settings conflict with ${file}: ${merged.errors.map((e) => `${e.field}: ${e.message}`).join('; ')}; using the file's settings without them.`,
      );
      overrides = {};
      saved = next;
      effective = next;
    }
    return { warnings };
  }

  async function applyPatch(patch: Record<string, unknown>): Promise<Result<SettingsView>> {
    const unknown = unknownKeys(patch, defaultSettings() as unknown as Plain);
    if (unknown.length) return { ok: false, error: invalid(unknown, 'settings not saved') };
    const nextSaved = validate(deepMerge(saved as unknown as Plain, patch));
    if (!nextSaved.ok) return { ok: false, error: invalid(nextSaved.errors, 'settings not saved') };
    const nextOverrides = { ...overrides };
    for (const key of Object.keys(patch)) delete nextOverrides[key];
    const nextEffective = validate(deepMerge(nextSaved.value as unknown as Plain, nextOverrides));
    if (!nextEffective.ok) {
      return {
        ok: false,
        error: invalid(nextEffective.errors, 'settings conflict with command-line options'),
      };
    }
    try {
      if (badFileOnDisk) {
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
