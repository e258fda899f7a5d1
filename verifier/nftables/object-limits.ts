// The byte bounds nft and the kernel put on what a command names: the schema counts characters, the
// kernel bytes of UTF-8, so a name or comment within the schema can still make nft refuse the whole
// document. Checked before an object is applied (objects.ts), which only sees what passes.
import type { DiagnosticSink } from './diagnostics.ts';

/** Report a name or comment nft refuses for its length in bytes; true if one was reported. */
export function overKernelLimit(
  command: string,
  kind: string,
  obj: Record<string, unknown>,
  pointer: string,
  sink: DiagnosticSink,
): boolean {
  // the kernel's bound is on bytes (NFT_*_MAXNAMELEN, 256 with the NUL), the schema's on characters:
  // a 256-byte name (or 128 two-byte letters) passed it, and nft refuses the document
  if ((command === 'add' || command === 'create') && typeof obj.name === 'string' && utf8Length(obj.name) > 255) {
    sink.report('nft-schema', `${pointer}/name`, 'a name longer than 255 bytes in UTF-8, which nft refuses');
    return true;
  }
  // nft packs a rule's or an element's comment, its NUL and a 2-byte header into 256 bytes of
  // user data: past 253 bytes of UTF-8 it fails ("Memory allocation failure") and loads nothing
  const longComment = commandComment(command, kind, obj);
  if (longComment !== null) {
    sink.report(
      'nft-schema',
      `${pointer}${longComment}`,
      'a comment longer than 253 bytes in UTF-8, which nft refuses',
    );
    return true;
  }
  return false;
}

/** A string's length in UTF-8 bytes (what the kernel bounds a name by). */
function utf8Length(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/** The pointer suffix of a rule's or element's comment past 253 bytes of UTF-8, or null. */
function commandComment(command: string, kind: string, obj: Record<string, unknown>): string | null {
  const long = (c: unknown): boolean => typeof c === 'string' && c.length > 63 && utf8Length(c) > 253;
  if (command !== 'add' && command !== 'create' && command !== 'insert' && command !== 'replace') return null;
  if (kind === 'rule') return long(obj.comment) ? '/comment' : null;
  // elements: an element command's, or a set or map declaration's own
  if (!['element', 'set', 'map'].includes(kind) || !Array.isArray(obj.elem)) return null;
  for (let i = 0; i < obj.elem.length; i++) {
    const entry: unknown = obj.elem[i];
    const key = Array.isArray(entry) ? (entry[0] as unknown) : entry;
    const wrapper = typeof key === 'object' && key !== null ? (key as { elem?: unknown }).elem : undefined;
    if (typeof wrapper === 'object' && wrapper !== null && long((wrapper as { comment?: unknown }).comment))
      return `/elem/${i}${Array.isArray(entry) ? '/0' : ''}/elem/comment`;
  }
  return null;
}
