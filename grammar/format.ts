// The canonical .ksvc layout (`ksvc fmt`). It prints every value from the AST fields, so it also
// works on ASTs that were built rather than parsed (the Kubernetes import gives dummy spans and no
// comments); spans are used only to put comments back. Layout rules (docs/language.md, "Formatting"):
//  - 2-space indent; one blank line between top-level blocks; inside a block, between the
//    comments above a block and the block, and among the comments after the last block, one
//    blank line where the author left one or more between two statements or comments (none
//    right after '{' or before '}'), as gofmt and prettier do; blocks and statements in the
//    order written; an empty block is `NAME {` + `}`.
//  - Port lines of a service are aligned in columns: `NAME:` padded so the types line up, then the
//    type, `IP:PORT/PROTO`, and `nodePort N` each padded to the widest in the service, so every `->`
//    lines up. Unnamed port lines start with their type (padded like the names if the service
//    also has named lines).
//  - An `endpoints` statement stays one statement: on one line when it fits in 100 columns and has
//    no comment between its entries, otherwise one entry per line, aligned under the first entry.
//  - Endpoint modifiers print as `on`, `zone`, `for-zone`s, `for-node`s (in written order), conditions
//    (in written order), `ports`.
//  - Keywords print in their canonical spelling: `local`/`cluster`, `clientIP`/`none`.
//  - Comments: an own-line comment is printed before the line of the item that follows it; a
//    trailing comment is printed two spaces after the line of the item it follows. A comment
//    inside an item (a statement printed on one line, an endpoint entry) stays with it.
import type { Span } from '../common/source.ts';
import type {
  AddressLit,
  ClusterSetting,
  Comment,
  DetectorSpec,
  EndpointEntry,
  FileNode,
  NodeStatement,
  PortLine,
  ServiceAttribute,
  ServiceItem,
  TopLevelBlock,
} from './ast.ts';
import {
  attachComments,
  type CommentHolder,
  type Comments,
  commentBetweenEntries,
  indexComments,
} from './format-comments.ts';

const INDENT = '  ';
const MAX_WIDTH = 100;

/** One output line, tied to the source offset of the item it prints (for placing comments). */
interface Row extends CommentHolder {
  /** A block's first or last line, a statement, or a statement's continuation line. */
  kind: 'header' | 'item' | 'close' | 'continuation';
  /** Source lines of the item (0 for a built AST), to keep the author's blank lines. */
  startLine: number;
  endLine: number;
  indent: string;
  /** Indent of the comments printed before this row (inside the block for a closing brace). */
  commentIndent: string;
  text: string;
  blankBefore: boolean;
}

const row = (indent: string, text: string, offset: number, blankBefore = false, end = offset): Row => ({
  kind: 'item',
  startLine: 0,
  endLine: 0,
  indent,
  commentIndent: indent,
  text,
  offset,
  end,
  blankBefore,
  leading: [],
  trailing: [],
});

export function formatFile(file: FileNode): string {
  const rows: Row[] = [];
  const comments = indexComments(file);
  // one push per row: a block of 200,000 endpoints spread into push's arguments overflowed the stack
  for (const [i, block] of file.blocks.entries()) for (const r of blockRows(block, i > 0, comments)) rows.push(r);
  const trailer = attachComments(rows, comments);
  const out: string[] = [];
  /** One blank line where the author left any between source line `after` (0: none) and `line`. */
  const keepBlankBetween = (after: number, line: number) => {
    if (after > 0 && line > after + 1 && out.at(-1) !== '') out.push('');
  };
  // Inside a block: the last source line printed so far (0 right after '{': no blank line there).
  let prevEnd = 0;
  const keepBlank = (line: number) => keepBlankBetween(prevEnd, line);
  // Before a block: the last source line of the comments printed above it (0: none yet), so that
  // a blank line the author left between them and the block (a file's header comment) stays.
  let topEnd = 0;
  const keepTopBlank = (line: number) => keepBlankBetween(topEnd, line);
  for (const r of rows) {
    if (r.blankBefore && out.length > 0) out.push('');
    const inBlock = r.kind === 'item' || r.kind === 'close';
    const header = r.kind === 'header';
    for (const c of r.leading) {
      // A comment from inside the statement (lifted above it) keeps the statement's own blank line.
      const inside = r.kind === 'item' && c.span.start.line >= r.startLine;
      if (inside) keepBlank(r.startLine);
      else if (inBlock) keepBlank(c.span.start.line);
      else if (header) keepTopBlank(c.span.start.line);
      out.push(r.commentIndent + commentText(c));
      if (inside) prevEnd = Math.max(prevEnd, r.startLine - 1);
      else if (inBlock) prevEnd = c.span.end.line;
      else if (header) topEnd = c.span.end.line;
    }
    if (header) {
      keepTopBlank(r.startLine);
      topEnd = 0;
    }
    if (r.kind === 'item') keepBlank(r.startLine);
    const tail = r.trailing.length > 0 ? `  ${r.trailing.map(commentText).join(' ')}` : '';
    out.push(r.indent + r.text + tail);
    if (r.kind === 'header' || r.kind === 'close') prevEnd = 0;
    if (r.kind === 'header') prevEnd = -1;
    else if (r.kind === 'item' || r.kind === 'continuation') prevEnd = Math.max(prevEnd, r.endLine);
  }
  if (trailer.length > 0 && out.length > 0) out.push('');
  let trailerEnd = 0;
  for (const c of trailer) {
    keepBlankBetween(trailerEnd, c.span.start.line);
    out.push(commentText(c));
    trailerEnd = c.span.end.line;
  }
  return out.length === 0 ? '' : `${out.join('\n')}\n`;
}

const commentText = (c: Comment): string => `#${c.text.replace(/[\r\n]/g, ' ')}`.replace(/[ \t]+$/, '');

// ---------------------------------------------------------------------------------------------
// Blocks

function blockRows(block: TopLevelBlock, blankBefore: boolean, comments: Comments): Row[] {
  const start = block.span.start.offset;
  const close: Row = {
    ...row('', '}', Math.max(start, block.span.end.offset - 1)),
    kind: 'close',
    commentIndent: INDENT,
  };
  // A comment between the header's words (before its '{') is printed above the header.
  const head = (text: string): Row => ({
    ...row('', text, start, blankBefore, block.brace?.start.offset ?? start),
    kind: 'header',
    startLine: block.span.start.line,
  });
  switch (block.kind) {
    case 'Cluster':
      return [
        head('cluster {'),
        ...block.settings.flatMap((s) => statementRows([row(INDENT, clusterSetting(s), s.span.start.offset)], s.span)),
        close,
      ];
    case 'Node':
      return [
        head(`node ${block.name.value} {`),
        ...block.statements.flatMap((s) => statementRows([row(INDENT, nodeStatement(s), s.span.start.offset)], s.span)),
        close,
      ];
    case 'Service': {
      const header = head(`service ${block.namespace.value}/${block.name.value} {`);
      const columns = portColumns(block.items.filter((i): i is PortLine => i.kind === 'Port'));
      const body = block.items.flatMap((item) => statementRows(serviceItemRows(item, columns, comments), item.span));
      return [header, ...body, close];
    }
  }
}

/**
 * The rows of one statement: the first is the statement, the rest continue it. A statement on one
 * row holds everything up to its end; rows of endpoint entries end where their entries end.
 */
function statementRows(rows: Row[], span: Span): Row[] {
  return rows.map((r, i) => ({
    ...r,
    kind: i === 0 ? ('item' as const) : ('continuation' as const),
    startLine: span.start.line,
    endLine: span.end.line,
    end: rows.length > 1 ? r.end : span.end.offset,
  }));
}

function clusterSetting(s: ClusterSetting): string {
  switch (s.kind) {
    case 'MasqFromOutside':
      return `masq from outside ${detector(s.detector)}`;
    case 'MasqAll':
      return 'masq all';
    case 'MasqBit':
      return `masq bit ${num(s.bit)}`;
    case 'NodePortAddresses':
      return `nodePort addresses ${s.primary ? 'primary' : s.cidrs.map((c) => c.text).join(', ')}`;
    case 'NodePortRange':
      return `nodePort range ${num(s.min)}-${num(s.max)}`;
    case 'LocalhostNodePorts':
      return `localhost nodePorts ${s.enabled.value ? 'on' : 'off'}`;
  }
}

function detector(d: DetectorSpec): string {
  switch (d.kind) {
    case 'Cidr':
      return d.cidr.text;
    case 'NodePodCIDR':
      return 'node podCIDR';
    case 'BridgeInterface':
      return `interface ${d.name.value}`;
    case 'InterfaceNamePrefix':
      return `interface prefix ${d.prefix.value}`;
  }
}

function nodeStatement(s: NodeStatement): string {
  switch (s.kind) {
    case 'NodeAddress':
      return `address ${addresses(s.addresses)}`;
    case 'NodePodCIDRs':
      return `podCIDR ${s.cidrs.map((c) => c.text).join(', ')}`;
    case 'NodeZone':
      return `zone ${s.zone.value}`;
  }
}

const addresses = (list: readonly AddressLit[]): string => list.map((a) => a.text).join(', ');

/**
 * A number in plain digits: its value when exact (so 0080 prints as 80), else the digits as written
 * without leading zeros (a 401-digit port is a checker error, but it must survive formatting).
 */
function num(n: { value: number; text?: string }): string {
  if (Number.isSafeInteger(n.value) || n.text === undefined) return String(n.value);
  return n.text.replace(/^0+(?=[0-9])/, '');
}

// ---------------------------------------------------------------------------------------------
// Services

function attribute(a: ServiceAttribute): string {
  switch (a.kind) {
    case 'ExternalTrafficPolicy':
      return `externalTrafficPolicy ${a.policy.value === 'Local' ? 'local' : 'cluster'}`;
    case 'InternalTrafficPolicy':
      return `internalTrafficPolicy ${a.policy.value === 'Local' ? 'local' : 'cluster'}`;
    case 'SessionAffinity':
      if (a.affinity.value === 'None') return 'sessionAffinity none';
      return a.timeout === null ? 'sessionAffinity clientIP' : `sessionAffinity clientIP ${num(a.timeout)}`;
    case 'MasqFromOutside':
      return `masq from outside ${detector(a.detector)}`;
  }
}

interface PortColumns {
  name: number;
  type: number;
  hostPort: number;
  nodePort: number;
}

const hostPort = (p: PortLine): string => {
  const bracket = p.bracketed || p.clusterIP.text.includes(':');
  return `${bracket ? `[${p.clusterIP.text}]` : p.clusterIP.text}:${num(p.port)}/${p.protocol.value}`;
};
const nodePortText = (p: PortLine): string => (p.nodePort === null ? '' : `nodePort ${num(p.nodePort)}`);

function portColumns(ports: readonly PortLine[]): PortColumns {
  const max = (f: (p: PortLine) => number) => ports.reduce((m, p) => Math.max(m, f(p)), 0);
  return {
    name: max((p) => (p.name === null ? 0 : p.name.value.length + 1)),
    type: max((p) => p.type.value.length),
    hostPort: max((p) => hostPort(p).length),
    nodePort: max((p) => nodePortText(p).length),
  };
}

function portLine(p: PortLine, c: PortColumns): string {
  const parts: string[] = [];
  // An unnamed line in a service with named ones is padded too, so every column lines up.
  if (c.name > 0) parts.push((p.name === null ? '' : `${p.name.value}:`).padEnd(c.name));
  parts.push(p.type.value.padEnd(c.type), hostPort(p).padEnd(c.hostPort));
  if (c.nodePort > 0) parts.push(nodePortText(p).padEnd(c.nodePort));
  const t = p.targetPort;
  const target = t === null ? '' : `:${'text' in t ? num(t) : t.value}`;
  parts.push(`-> endpoints${target}`);
  return parts.join(' ') + p.clauses.map((a) => `, ${attribute(a)}`).join('');
}

function serviceItemRows(item: ServiceItem, columns: PortColumns, comments: Comments): Row[] {
  const at = item.span.start.offset;
  switch (item.kind) {
    case 'Port':
      return [row(INDENT, portLine(item, columns), at)];
    case 'ExternalTrafficPolicy':
    case 'InternalTrafficPolicy':
    case 'SessionAffinity':
    case 'MasqFromOutside':
      return [row(INDENT, attribute(item), at)];
    case 'ExternalIPs':
      return [row(INDENT, `externalIPs ${addresses(item.addresses)}`, at)];
    case 'LoadBalancerIngress':
      return [row(INDENT, `loadBalancerIngress ${addresses(item.addresses)}`, at)];
    case 'LoadBalancerSourceRanges':
      return [row(INDENT, `loadBalancerSourceRanges ${item.cidrs.map((c) => c.text).join(', ')}`, at)];
    case 'HealthCheckNodePort':
      return [row(INDENT, `healthCheckNodePort ${num(item.port)}`, at)];
    case 'Endpoints':
      return endpointsRows(item.endpoints, at, comments);
  }
}

function endpoint(e: EndpointEntry): string {
  const parts = [e.address.text];
  if (e.node !== null) parts.push('on', e.node.value);
  if (e.zone !== null) parts.push('zone', e.zone.value);
  for (const z of e.forZones) parts.push('for-zone', z.value);
  for (const n of e.forNodes) parts.push('for-node', n.value);
  for (const c of e.conditions) parts.push(c.value);
  if (e.ports.length > 0) parts.push('ports', ...e.ports.map((p) => `${p.name.value}=${num(p.port)}`));
  return parts.join(' ');
}

function endpointsRows(entries: readonly EndpointEntry[], at: number, comments: Comments): Row[] {
  const texts = entries.map(endpoint);
  const oneLine = `endpoints ${texts.join(', ')}`;
  const first = entries[0]?.span;
  const last = entries.at(-1)?.span;
  const commentInside = first !== undefined && last !== undefined && commentBetweenEntries(comments, first, last);
  if (entries.length <= 1 || (!commentInside && INDENT.length + oneLine.length <= MAX_WIDTH))
    return [row(INDENT, oneLine, at)];
  const cont = INDENT + ' '.repeat('endpoints '.length);
  return entries.map((e, i) => {
    const text = `${texts[i]}${i < texts.length - 1 ? ',' : ''}`;
    return i === 0
      ? row(INDENT, `endpoints ${text}`, at, false, e.span.end.offset)
      : row(cont, text, e.span.start.offset, false, e.span.end.offset);
  });
}
