/**
 * FreeSWITCH's argument tokenizer, switch_separate_string() in src/switch_utils.c, ported as is:
 * a leading "^^X" makes X the delimiter; single quotes group (and are stripped when a closing one
 * exists); a backslash escapes the next character and, when cleaned up, \n \r \t \s and \' \" \\
 * (and the delimiter) lose the backslash; leading/trailing spaces are trimmed; at most `max` tokens
 * (the last one keeps the rest of the string); a trailing empty field is dropped.
 */

function unescapeChar(c: string): string {
  switch (c) {
    case 'n':
      return '\n';
    case 'r':
      return '\r';
    case 't':
      return '\t';
    case 's':
      return ' ';
    default:
      return c;
  }
}

/** cleanup_separated_string(): strip quotes and escapes, trim spaces outside quotes. */
function cleanup(str: string, delim: string | undefined): string {
  let p = 0;
  while (str[p] === ' ') p++;
  let out = '';
  let end = -1;
  let insideQuotes = false;
  for (; p < str.length; p++) {
    const ch = str[p]!;
    let escaped = false;
    if (ch === '\\' && p + 1 < str.length) {
      const next = str[p + 1]!;
      const un = unescapeChar(next);
      if (
        next === "'" ||
        next === '"' ||
        (delim !== undefined && next === delim) ||
        next === '\\' ||
        un !== next
      ) {
        p++;
        out += un;
        end = out.length;
        escaped = true;
      }
    }
    if (escaped) continue;
    if (ch === "'" && (insideQuotes || str.indexOf("'", p + 1) >= 0)) {
      insideQuotes = !insideQuotes;
      if (insideQuotes) end = out.length;
    } else {
      out += ch;
      if (ch !== ' ' || insideQuotes) end = out.length;
    }
  }
  return end >= 0 ? out.slice(0, end) : out;
}

function separateCharDelim(buf: string, delim: string, max: number): string[] {
  const starts: number[] = [];
  const cuts: number[] = [];
  let state: 'start' | 'find' = 'start';
  let insideQuotes = false;
  let p = 0;
  while (p < buf.length && starts.length < max) {
    if (state === 'start') {
      starts.push(p);
      state = 'find';
      continue;
    }
    const ch = buf[p]!;
    if (ch === '\\') p++;
    else if (ch === "'" && (insideQuotes || buf.indexOf("'", p + 1) >= 0)) insideQuotes = !insideQuotes;
    else if (ch === delim && !insideQuotes) {
      cuts.push(p);
      state = 'start';
    }
    p++;
  }
  return starts.map((s, i) => cleanup(buf.slice(s, cuts[i] ?? buf.length), delim));
}

function separateBlankDelim(buf: string, max: number): string[] {
  const starts: number[] = [];
  const cuts: number[] = [];
  let state: 'start' | 'skipInitial' | 'find' | 'skipEnding' = 'start';
  let insideQuotes = false;
  let p = 0;
  while (p < buf.length && starts.length < max) {
    const ch = buf[p]!;
    switch (state) {
      case 'start':
        starts.push(p);
        state = 'skipInitial';
        break;
      case 'skipInitial':
        if (ch === ' ') p++;
        else state = 'find';
        break;
      case 'find':
        if (ch === '\\') p++;
        else if (ch === "'") insideQuotes = !insideQuotes;
        else if (ch === ' ' && !insideQuotes) {
          cuts[starts.length - 1] = p;
          state = 'skipEnding';
        }
        p++;
        break;
      case 'skipEnding':
        if (ch === ' ') p++;
        else state = 'start';
        break;
    }
  }
  return starts.map((s, i) => cleanup(buf.slice(s, cuts[i] ?? buf.length), undefined));
}

/** switch_separate_string(buf, delim, array, max). */
export function separateString(input: string, delim: string, max: number): string[] {
  let buf = input;
  let d = delim;
  if (buf.startsWith('^^') && buf.length > 3) {
    d = buf[2]!;
    buf = buf.slice(3);
  }
  return d === ' ' ? separateBlankDelim(buf, max) : separateCharDelim(buf, d, max);
}
