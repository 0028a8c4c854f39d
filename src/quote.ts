/**
 * User-supplied text (names, paths, arguments, values read back from disk)
 * echoed in a message, quoted so the message stays one line and shows what
 * the text really was: control characters, line separators and U+FFFD (a
 * byte that was not UTF-8) are escaped, backslashes and quotes too.
 */
const MAX_QUOTED = 200;

export function quote(text: unknown): string {
  const string = typeof text === 'string' ? text : String(text);
  const shown = string.length > MAX_QUOTED ? `${string.slice(0, MAX_QUOTED)}...` : string;
  return `'${escapeControls(shown)}'`;
}

const ESCAPES: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '\\': '\\\\', "'": "\\'" };

/** Escapes without quoting: for a whole message, the last guard of the one-line rule. */
export function escapeControls(text: string): string {
  // C0, DEL, C1, the Unicode line/paragraph separators, bidi overrides, U+FFFD.
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufffd\\']/gu, (char) => {
    if (ESCAPES[char]) return ESCAPES[char];
    const code = char.codePointAt(0)!;
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
  });
}

/** One line for a whole message: like escapeControls, but quotes and backslashes stay as they are. */
export function oneLine(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/gu, (char) => escapeControls(char));
}
