/**
 * /proc/mounts and /proc/PID/mountinfo escape space, tab, newline and
 * backslash in paths as \ooo (octal): one decoder for every reader.
 */
export function unescapeMountField(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}
