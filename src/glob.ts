/** Compiles a glob (`*` any run of characters, `?` exactly one) into an anchored test. */
export function globMatcher(glob: string): (value: string) => boolean {
  let source = '^';
  for (const ch of glob) {
    if (ch === '*') source += '.*';
    else if (ch === '?') source += '.';
    else source += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  const re = new RegExp(`${source}$`, 's');
  return (value) => re.test(value);
}
