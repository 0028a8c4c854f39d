/**
 * The host's apt sources: which Debian mirror to bootstrap from. Reads both
 * formats apt accepts, the one-line format of sources.list and *.list files
 * (`deb [opts] URI suite comp...`) and the deb822 stanzas of *.sources files
 * (Types/URIs/Suites/Components), and picks the first binary (`deb`) entry
 * of Debian's main archive: its suite is a Debian release (or its
 * -updates/-proposed-updates), not a -security or -backports suite, it has
 * the main component, and it is not a CD-ROM. Nothing here names a mirror:
 * the answer always comes from the host's files at run time.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface AptSource {
  /** `deb` or `deb-src`. */
  type: string;
  uri: string;
  suite: string;
  components: string[];
  /** The file the entry came from, for messages. */
  file: string;
}

/** Debian's release code names and their symbolic names. */
const DEBIAN_SUITES = new Set([
  'buzz', 'rex', 'bo', 'hamm', 'slink', 'potato', 'woody', 'sarge', 'etch', 'lenny', 'squeeze', 'wheezy',
  'jessie', 'stretch', 'buster', 'bullseye', 'bookworm', 'trixie', 'forky', 'duke', 'sid',
  'stable', 'testing', 'unstable', 'oldstable', 'oldoldstable', 'experimental', 'rc-buggy',
]);

/** Parses sources.list one-line entries; comments, blank and malformed lines are skipped. */
export function parseOneLineSources(text: string, file = 'sources.list'): AptSource[] {
  const sources: AptSource[] = [];
  for (const rawLine of text.split('\n')) {
    const line = rawLine.replace(/#.*/, '').trim();
    if (!line) continue;
    const typeMatch = /^(deb|deb-src)\s+/.exec(line);
    if (!typeMatch) continue;
    let rest = line.slice(typeMatch[0].length);
    if (rest.startsWith('[')) {
      const close = rest.indexOf(']');
      if (close < 0) continue;
      rest = rest.slice(close + 1);
    }
    const [uri, suite, ...components] = rest.trim().split(/\s+/);
    if (!uri || !suite) continue;
    sources.push({ type: typeMatch[1]!, uri, suite, components, file });
  }
  return sources;
}

/** Parses deb822 *.sources stanzas; stanzas with `Enabled: no` are skipped. */
export function parseDeb822Sources(text: string, file = 'debian.sources'): AptSource[] {
  const sources: AptSource[] = [];
  for (const stanza of deb822Stanzas(text)) {
    if (/^(no|false|0)$/i.test(stanza.get('enabled') ?? 'yes')) continue;
    const types = words(stanza.get('types'));
    const uris = words(stanza.get('uris'));
    const suites = words(stanza.get('suites'));
    const components = words(stanza.get('components'));
    for (const type of types) {
      if (type !== 'deb' && type !== 'deb-src') continue;
      for (const uri of uris) {
        for (const suite of suites) sources.push({ type, uri, suite, components, file });
      }
    }
  }
  return sources;
}

function words(value: string | undefined): string[] {
  return value?.split(/\s+/).filter(Boolean) ?? [];
}

/** deb822 paragraphs as maps of lower-cased field name -> value (continuation lines joined). */
function deb822Stanzas(text: string): Map<string, string>[] {
  const stanzas: Map<string, string>[] = [];
  let current = new Map<string, string>();
  let lastField: string | undefined;
  const finish = () => {
    if (current.size > 0) stanzas.push(current);
    current = new Map();
    lastField = undefined;
  };
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    if (line.trim() === '') {
      finish();
      continue;
    }
    if (/^\s/.test(line)) {
      if (lastField !== undefined) current.set(lastField, `${current.get(lastField) ?? ''} ${line.trim()}`);
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    lastField = line.slice(0, colon).trim().toLowerCase();
    current.set(lastField, line.slice(colon + 1).trim());
  }
  finish();
  return stanzas;
}

/**
 * Reads `etcApt`/sources.list and `etcApt`/sources.list.d/*.list and
 * *.sources, in the order apt reads them (sources.list first, then the
 * directory in name order); other files there (e.g. *.disabled) are ignored.
 */
export function readAptSources(etcApt = '/etc/apt'): AptSource[] {
  const sources: AptSource[] = [];
  const main = join(etcApt, 'sources.list');
  const mainText = readText(main);
  if (mainText !== undefined) sources.push(...parseOneLineSources(mainText, main));
  const dir = join(etcApt, 'sources.list.d');
  let names: string[] = [];
  try {
    names = readdirSync(dir).sort();
  } catch {
    // no sources.list.d
  }
  for (const name of names) {
    const path = join(dir, name);
    if (!/^[A-Za-z0-9_.-]+$/.test(name)) continue;
    if (name.endsWith('.list')) {
      const text = readText(path);
      if (text !== undefined) sources.push(...parseOneLineSources(text, path));
    } else if (name.endsWith('.sources')) {
      const text = readText(path);
      if (text !== undefined) sources.push(...parseDeb822Sources(text, path));
    }
  }
  return sources;
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * Whether `suite` belongs to Debian's main archive: a release name (or one
 * of `extraSuites`, e.g. the host's own code name and the suite being
 * bootstrapped) alone or with -updates/-proposed-updates; never -security
 * (or the old `codename/updates`) and never -backports.
 */
export function isMainArchiveSuite(suite: string, extraSuites: Iterable<string> = []): boolean {
  if (suite.includes('/')) return false;
  if (/-(security|backports|backports-sloppy)$/.test(suite)) return false;
  const base = suite.replace(/-(updates|proposed-updates)$/, '');
  return DEBIAN_SUITES.has(base) || new Set(extraSuites).has(base);
}

export interface MirrorChoice {
  uri: string;
  source: AptSource;
}

export interface PickMirrorOptions {
  /** Suite names to accept beside Debian's known ones (the host's code name, the target suite). */
  extraSuites?: Iterable<string>;
  /**
   * The `Origin:` of the entry's Release file if apt has it cached, so that a
   * third-party repository that uses Debian's suite names is passed over.
   */
  originOf?: (source: AptSource) => string | undefined;
}

/** The first `deb` entry of Debian's main archive, or undefined. */
export function pickMainMirror(sources: AptSource[], options: PickMirrorOptions = {}): MirrorChoice | undefined {
  const extra = [...(options.extraSuites ?? [])];
  for (const source of sources) {
    if (source.type !== 'deb') continue;
    if (/^cdrom:/i.test(source.uri)) continue;
    if (!isMainArchiveSuite(source.suite, extra)) continue;
    if (!source.components.includes('main')) continue;
    const origin = options.originOf?.(source);
    if (origin !== undefined && origin !== 'Debian') continue;
    return { uri: source.uri, source };
  }
  return undefined;
}

/**
 * The file name apt gives an entry's cached Release file in
 * /var/lib/apt/lists: the URI without scheme and credentials, slashes as
 * underscores, then `_dists_SUITE_InRelease` (or `_Release`).
 */
export function aptListName(uri: string, suite: string, file: 'InRelease' | 'Release'): string {
  const withoutScheme = uri.replace(/^[A-Za-z][A-Za-z0-9+.-]*:\/*/, '').replace(/^[^/@]*@/, '');
  const path = `${withoutScheme.replace(/\/+$/, '')}/dists/${suite}/${file}`;
  return path.replace(/\/+/g, '_');
}

/** Reads the `Origin:` field of an entry's cached Release file under `listsDir`, if apt has one. */
export function cachedOrigin(source: AptSource, listsDir = '/var/lib/apt/lists'): string | undefined {
  for (const file of ['InRelease', 'Release'] as const) {
    const text = readText(join(listsDir, aptListName(source.uri, source.suite, file)));
    if (text === undefined) continue;
    return /^Origin:\s*(.*?)\s*$/m.exec(text)?.[1] ?? '';
  }
  return undefined;
}

/** The Debian mirror of the host's apt configuration, or undefined if it has none. */
export function hostDebianMirror(extraSuites: Iterable<string> = [], etcApt = '/etc/apt', listsDir = '/var/lib/apt/lists'): MirrorChoice | undefined {
  return pickMainMirror(readAptSources(etcApt), {
    extraSuites,
    originOf: (source) => cachedOrigin(source, listsDir),
  });
}
