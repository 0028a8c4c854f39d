/**
 * validateSpec: the one point every spec passes before anything is done
 * with it, from every front door (the CLI through buildSpec, the library's
 * runContainer/startContainer/startDetached, a stored config.json). Like
 * runc's specconv/validate, it reports every problem at once, each with
 * its JSON path, as one ContainerError (code 'invalid-spec', exit 125).
 *
 * Three layers, each only as far as the one before allows:
 * 1. plain JSON data (no cycles, BigInts, NUL bytes, over-long strings);
 * 2. the official OCI runtime-spec JSON Schema (precompiled, see
 *    scripts/compile-oci-schema.mjs);
 * 3. ts-nspawn's own rules (checks.ts) and its typed settings (settings.ts).
 */
import { ContainerError } from '../errors.js';
import { specProblems } from './checks.js';
import { jsonPath, jsonProblems, MAX_STRING_BYTES, type Problem } from './json-value.js';
import type { Spec } from './types.js';
import { validate as generatedValidator } from './oci-schema.generated.js';
import { parseSettings, type NspawnSettings } from './settings.js';
import { isDefaultProfile } from '../security/seccomp-default.js';

export type { Problem } from './json-value.js';
export type { NspawnSettings } from './settings.js';

/** A spec that passed validateSpec, with ts-nspawn's settings read from it. */
export interface ValidatedSpec {
  spec: Spec;
  settings: NspawnSettings;
}

/** The error validateSpec throws: a ContainerError whose `problems` list each bad field. */
export class InvalidSpecError extends ContainerError {
  constructor(readonly problems: readonly Problem[]) {
    super(`invalid container spec: ${problems.map(formatProblem).join('; ')}`, { code: 'invalid-spec', path: problems[0]?.path });
  }
}

/** Ajv's standalone code: a function that leaves its errors on itself. */
const schemaValidate = generatedValidator as unknown as { (data: unknown): boolean; errors?: SchemaError[] | null };

export function validateSpec(input: unknown): ValidatedSpec {
  const problems = dataProblems(input);
  if (problems.length === 0 && (typeof input !== 'object' || input === null || Array.isArray(input))) {
    problems.push({ path: '', message: `must be an object (an OCI runtime spec), not ${input === null ? 'null' : Array.isArray(input) ? 'an array' : typeof input}` });
  }
  if (problems.length > 0) throw new InvalidSpecError(problems);

  if (!schemaValidate(schemaSubject(input as Spec))) problems.push(...schemaProblems(schemaValidate.errors ?? []));
  // ts-nspawn's rules assume the shapes the schema guarantees.
  if (problems.length > 0) throw new InvalidSpecError(problems);

  const spec = input as Spec;
  const settings = parseSettings(spec.annotations ?? {}, problems);
  problems.push(...specProblems(spec, settings));
  if (problems.length > 0) throw new InvalidSpecError(problems);
  return { spec, settings };
}

/**
 * What layer 2 checks: the spec, less a built-in seccomp profile, which is
 * frozen as the runtime made it (seccomp-default.ts) and would otherwise
 * take most of a start's validation time. Everything a caller chose is
 * still checked.
 */
function schemaSubject(spec: Spec): Spec {
  const linux = spec.linux;
  if (!linux || !isDefaultProfile(linux.seccomp)) return spec;
  const { seccomp: _builtIn, ...rest } = linux;
  return { ...spec, linux: rest };
}

/**
 * Layer 1 with a fast path, as it runs on every start: the native
 * JSON.stringify throws on a cycle or a BigInt and shows a NUL byte or an
 * outsize value; only then is the spec walked to name the field. What it
 * passes over silently (undefined, functions, symbols, NaN) fails the
 * schema in every field ts-nspawn reads, and vanishes from the stored form
 * in any other.
 */
function dataProblems(input: unknown): Problem[] {
  let text: string | undefined;
  try {
    text = JSON.stringify(input);
  } catch {
    return jsonProblems(input);
  }
  if (text === undefined || text.includes('\\u0000') || text.length > MAX_STRING_BYTES / 6) return jsonProblems(input);
  return [];
}

export function formatProblem({ path, message }: Problem): string {
  return path ? `${path}: ${message}` : message;
}

interface SchemaError {
  instancePath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
}

/** Ajv's errors as problems: JSON pointers become JSON paths, and branch noise is dropped. */
function schemaProblems(errors: readonly SchemaError[]): Problem[] {
  const problems: Problem[] = [];
  const seen = new Set<string>();
  for (const error of errors) {
    // "must match a schema in anyOf" says nothing when a more precise error about the same value is there.
    const branch = error.keyword === 'anyOf' || error.keyword === 'oneOf';
    if (branch && errors.some((other) => other !== error && other.instancePath.startsWith(error.instancePath) && other.keyword !== error.keyword)) {
      continue;
    }
    let path = pointerToPath(error.instancePath);
    let message = error.message ?? 'is invalid';
    if (error.keyword === 'required') {
      path = jsonPath(path, String(error.params.missingProperty));
      message = 'is required';
    } else if (error.keyword === 'enum') {
      message = `must be one of ${(error.params.allowedValues as unknown[]).map((value) => JSON.stringify(value)).join(', ')}`;
    } else if (error.keyword === 'additionalProperties') {
      path = jsonPath(path, String(error.params.additionalProperty));
      message = 'is not a known field here';
    }
    const key = `${path}\0${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    problems.push({ path, message });
  }
  return problems;
}

function pointerToPath(pointer: string): string {
  let path = '';
  for (const part of pointer.split('/').slice(1)) {
    const key = part.replaceAll('~1', '/').replaceAll('~0', '~');
    path = jsonPath(path, /^\d+$/.test(key) ? Number(key) : key);
  }
  return path;
}
