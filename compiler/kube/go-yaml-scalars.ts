// How Kubernetes reads an unquoted YAML number or boolean. kubectl and the API server turn YAML into
// JSON with sigs.k8s.io/yaml, which parses with its go-yaml v2 fork: a YAML 1.1 resolver
// (resolve.go) that drops every '_', then tries Go's strconv.ParseInt(s, 0, 64) — so `0120` is
// octal 80, `0x50` and `0o120` are 80, `0b1010000` is 80 — then ParseUint, then a float for
// "[-+]?(.N|N(.N?)?)([eE][-+]?N)?" (so `0129`, not octal, is the float 129, and `80.0`, `80.`,
// `8e1` are 80 once JSON decodes them into an int field); and `yes`, `on`, `y`, `no`, `off`, `n`
// (any of three casings) are booleans. The yaml package reads YAML 1.2, where `0120` is 120 and
// `on` a string: ports would silently differ from what the cluster holds. This file gives the
// go-yaml reading of a plain scalar's text.

const GO_INT = /^([-+]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/;
// goyaml.v2's float pattern (resolve.go): `80.`, `.8e2` and `8e1` are floats too, 80 once whole
const GO_YAML_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;

/** go-yaml v2's booleans (YAML 1.1): `yes`, `on`, `y` and their kin are booleans to Kubernetes. */
const GO_YAML_BOOLS = new Map<string, boolean>([
  ...['y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON'].map((w) => [w, true] as const),
  ...['n', 'N', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF'].map((w) => [w, false] as const),
]);

/** The boolean go-yaml v2 (and so Kubernetes) reads from a plain scalar, or undefined when it reads none. */
export const goYamlBool = (plain: string): boolean | undefined => GO_YAML_BOOLS.get(plain);

/** The integer go-yaml v2 (and so Kubernetes) reads from a plain scalar, or undefined when it reads none. */
/** Written as an integer go-yaml reads (any size): `goYamlInteger` is undefined for it only when too large. */
export const hasGoYamlIntegerSyntax = (plain: string): boolean => GO_INT.test(plain.replace(/_/g, ''));

/**
 * A plain scalar go-yaml v2 reads as a number (resolve.go: a leading digit or sign, '_' dropped,
 * then ParseInt / ParseUint / its float pattern): `0b1`, `1_000`, `+0x1f` are numbers to
 * Kubernetes though YAML 1.2 reads them as strings, so where a string goes the API refuses them.
 */
export function hasGoYamlNumberSyntax(plain: string): boolean {
  if (!/^[-+0-9]/.test(plain)) return false;
  return hasGoYamlIntegerSyntax(plain) || GO_YAML_FLOAT.test(plain.replace(/_/g, ''));
}

export function goYamlInteger(plain: string): number | undefined {
  const s = plain.replace(/_/g, '');
  const m = GO_INT.exec(s);
  if (m) {
    const sign = m[1] === '-' ? -1n : 1n;
    const body = m[2]!;
    const digits = /^0[0-7]+$/.test(body)
      ? `0o${body.slice(1)}`
      : body.replace(/^0([XOBxob])/, (_, b: string) => `0${b.toLowerCase()}`);
    const v = sign * BigInt(digits);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : undefined;
  }
  // ParseInt failed (e.g. `0129`): go-yaml reads a float, which JSON then decodes into the int
  // field when it is whole.
  if (GO_YAML_FLOAT.test(s)) {
    const f = Number(s);
    return Number.isSafeInteger(f) ? f : undefined;
  }
  return undefined;
}
