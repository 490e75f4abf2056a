/**
 * A client's file name made safe to store, show and put in Content-Disposition: its last path
 * part, no control characters, NUL or lone surrogates, at most 255 characters; `file` when nothing is left.
 */
export function safeFileName(raw: string | undefined): string {
  let name = (raw ?? '').split(/[\\/]/).pop() ?? '';
  name = name
    .replace(/[\u0000-\u001f\u007f"]/g, '')
    .replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '')
    .trim();
  if (name === '.' || name === '..') name = '';
  name = name.replace(/^\.+/, '');
  if ([...name].length > 255) name = [...name].slice(-255).join('');
  return name || 'file';
}
