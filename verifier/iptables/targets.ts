// `-j TARGET ...` / `-g CHAIN` -> model steps. Jumps to user chains are resolved later (the chain
// may be declared after the rule); here the target's own options are read and checked.
import type { Step } from '../model/program.ts';
import { ownText } from '../model/text-store.ts';
import { chainNameAt, chainStep } from './chain-names.ts';
import { iptCodes } from './codes.ts';
import {
  charsAt,
  emit,
  type RuleContext,
  requireFamily,
  type StepBuffer,
  sharedStep,
  textAt,
  valueError,
} from './context.ts';
import { noNegation, single, valueAt, valueText } from './options.ts';
import type { TargetUse } from './template.ts';
import { fastDnatAt, parseDnatTarget, parseMarkMask, parseRejectKind } from './values.ts';

/** iptables target extensions the model does not have; `-j NAME` loads one of these even if a chain NAME exists. */
const KNOWN_TARGETS: ReadonlySet<string> = new Set(
  (
    'AUDIT CHECKSUM CLASSIFY CLUSTERIP CONNMARK CONNSECMARK CT DNPT DSCP ECN HL HMARK IDLETIMER LED LOG ' +
    'MIRROR NETMAP NFLOG NFQUEUE NOTRACK NPT QUEUE RATEEST REDIRECT SAME SECMARK SET SNAT SNPT SYNPROXY ' +
    'TCPMSS TCPOPTSTRIP TEE TOS TPROXY TRACE TTL ULOG'
  ).split(' '),
);

const U32 = 0xffffffff;

const verdict = (v: Extract<Step, { kind: 'verdict' }>['verdict']): Step => ({ kind: 'verdict', verdict: v });

function notAllowed(ctx: RuleContext, t: TargetUse, name: string, table: string): void {
  ctx.errors.push(
    iptCodes['ipt-target-not-allowed'](
      ctx.where(t.name),
      name,
      `is only valid in the ${table} table (this rule is in ${ctx.table}); the kernel refuses it`,
    ),
  );
}

function reject(ctx: RuleContext, t: TargetUse, out: StepBuffer): void {
  if (ctx.table !== 'filter') notAllowed(ctx, t, 'REJECT', 'filter');
  const o = single(ctx, t.options, '--reject-with', 'REJECT');
  let kind = 'port-unreachable';
  if (o) {
    noNegation(ctx, o);
    const r = parseRejectKind(valueText(ctx, o));
    if (!r.ok) {
      valueError(ctx, valueAt(o), 'REJECT kind', r);
      return;
    }
    if (r.value.family) requireFamily(ctx, r.value.family, valueAt(o));
    kind = r.value.kind;
    if (kind === 'tcp-reset' && ctx.protocol?.protocol !== 'tcp') {
      ctx.errors.push(
        iptCodes['ipt-protocol-required'](ctx.where(valueAt(o)), "'--reject-with tcp-reset'", "'-p tcp'"),
      );
    }
  }
  emit(
    out,
    sharedStep(ctx, `reject ${kind}`, () => verdict({ kind: 'reject', with: kind })),
  );
}

function dnat(ctx: RuleContext, t: TargetUse, out: StepBuffer): void {
  if (ctx.table !== 'nat') notAllowed(ctx, t, 'DNAT', 'nat');
  const o = single(ctx, t.options, '--to-destination', 'DNAT');
  if (o === null) {
    ctx.errors.push(iptCodes['ipt-missing-option'](ctx.where(t.name), 'DNAT', '--to-destination'));
    return;
  }
  noNegation(ctx, o);
  const c = charsAt(ctx, valueAt(o));
  const fast = fastDnatAt(c.src, c.start, c.end);
  let ip: string;
  let port: number | null;
  if (fast >= 0) {
    // its own string: a slice of 13 characters or more would keep the whole text alive
    ip = ownText(c.src.slice(c.start, fast === 0 ? c.end : c.src.indexOf(':', c.start)));
    port = fast === 0 ? null : fast;
    requireFamily(ctx, 'ipv4', valueAt(o));
  } else {
    const r = parseDnatTarget(valueText(ctx, o));
    if (!r.ok) {
      valueError(ctx, valueAt(o), 'DNAT destination', r);
      return;
    }
    port = r.value.port;
    ip = ownText(r.value.ip);
    requireFamily(ctx, r.value.family, valueAt(o));
  }
  const proto = ctx.protocol?.protocol;
  if (port !== null && proto !== 'tcp' && proto !== 'udp' && proto !== 'sctp') {
    ctx.errors.push(
      iptCodes['ipt-protocol-required'](ctx.where(valueAt(o)), 'a DNAT port', "'-p tcp', '-p udp' or '-p sctp'"),
    );
  }
  emit(out, verdict({ kind: 'dnat', ip, port }));
  ctx.natTarget = 'dnat';
}

function masquerade(ctx: RuleContext, t: TargetUse, out: StepBuffer): void {
  if (ctx.table !== 'nat') notAllowed(ctx, t, 'MASQUERADE', 'nat');
  const o = single(ctx, t.options, '--random-fully', 'MASQUERADE');
  if (o) noNegation(ctx, o);
  const fullyRandom = o !== null;
  const key = fullyRandom ? 'masquerade fully-random' : 'masquerade';
  emit(
    out,
    sharedStep(ctx, key, () => verdict({ kind: 'masquerade', fullyRandom })),
  );
  ctx.natTarget = 'masquerade';
}

/**
 * MARK (xt_MARK revision 2, what iptables ≥ 1.4 loads): mark = (mark & ~mask) ^ value, where
 * --set-xmark V/M gives (V, M); --set-mark V/M gives (V, V|M); --or-mark V (V, V); --xor-mark V
 * (V, 0); --and-mark V (0, ~V). Written as the fewest model operations with that exact effect.
 */
function markTarget(ctx: RuleContext, t: TargetUse, out: StepBuffer): void {
  const ops = t.options;
  if (ops.length !== 1) {
    const at = ops[1]?.at ?? t.name;
    ctx.errors.push(
      iptCodes['ipt-missing-option'](
        ctx.where(at),
        'MARK',
        'exactly one of --set-xmark, --set-mark, --or-mark, --xor-mark, --and-mark',
      ),
    );
    return;
  }
  const o = ops[0]!;
  noNegation(ctx, o);
  const r = parseMarkMask(valueText(ctx, o));
  if (!r.ok) {
    valueError(ctx, valueAt(o), 'mark', r);
    return;
  }
  const { value: v, mask: m } = r.value;
  const hasMask = valueText(ctx, o).includes('/');
  if (hasMask && o.name !== '--set-xmark' && o.name !== '--set-mark') {
    ctx.errors.push(iptCodes['ipt-invalid-value'](ctx.where(valueAt(o)), o.name, valueText(ctx, o), 'takes no mask'));
    return;
  }
  let xorValue: number;
  let clearMask: number;
  switch (o.name) {
    case '--set-xmark':
      [xorValue, clearMask] = [v, m];
      break;
    case '--set-mark':
      [xorValue, clearMask] = [v, (v | m) >>> 0];
      break;
    case '--or-mark':
      [xorValue, clearMask] = [v, v];
      break;
    case '--xor-mark':
      [xorValue, clearMask] = [v, 0];
      break;
    default: // --and-mark
      [xorValue, clearMask] = [0, ~v >>> 0];
  }
  for (const step of markSteps(xorValue, clearMask)) {
    emit(
      out,
      sharedStep(ctx, `${step.kind === 'mark' ? step.op : ''} ${step.kind === 'mark' ? step.value : ''}`, () => step),
    );
  }
}

/** The model operations for mark = (mark & ~clearMask) ^ xorValue. */
export function markSteps(xorValue: number, clearMask: number): Step[] {
  if (clearMask === 0 && xorValue === 0) return [];
  if (clearMask === U32) return [{ kind: 'mark', op: 'set', value: xorValue }];
  if (clearMask === xorValue) return [{ kind: 'mark', op: 'or', value: xorValue }];
  const steps: Step[] = [];
  if (clearMask !== 0) steps.push({ kind: 'mark', op: 'and', value: ~clearMask >>> 0 });
  if (xorValue !== 0) steps.push({ kind: 'mark', op: 'xor', value: xorValue });
  return steps;
}

const SIMPLE: Record<string, Step | undefined> = {
  ACCEPT: verdict({ kind: 'accept' }),
  DROP: verdict({ kind: 'drop' }),
  RETURN: verdict({ kind: 'return' }),
};

/**
 * The steps of the rule's target (if any), appended to `out`. A jump's chain is resolved later
 * (the chain may be declared after the rule); DNAT and MASQUERADE hooks are checked once
 * reachability is known.
 */
export function convertTarget(ctx: RuleContext, targets: TargetUse[], out: StepBuffer): void {
  for (let i = 1; i < targets.length; i++) {
    ctx.errors.push(iptCodes['ipt-duplicate-option'](ctx.where(targets[i]!.at), 'a target (-j / -g)'));
  }
  const t = targets[0];
  if (t === undefined) return;
  switch (t.word) {
    case 'REJECT':
      reject(ctx, t, out);
      return;
    case 'DNAT':
      dnat(ctx, t, out);
      return;
    case 'MASQUERADE':
      masquerade(ctx, t, out);
      return;
    case 'MARK':
      markTarget(ctx, t, out);
      return;
  }
  // Chain names like KUBE-SVC-… never name a builtin target (those have no '-'): skip the lookups.
  const c = charsAt(ctx, t.name);
  const dash = c.src.indexOf('-', c.start);
  if (dash < 0 || dash >= c.end) {
    const name = textAt(ctx, t.name);
    const simple = SIMPLE[name];
    if (simple && t.kind === 'jump') {
      // iptables-restore refuses DROP in nat; the kernel runs one nft wrote, and iptables-nft-save lists it
      if (name === 'DROP' && ctx.table === 'nat')
        ctx.errors.push(
          iptCodes['ipt-restore-refuses'](
            ctx.where(t.name),
            "DROP in the nat table ('the nat table is not intended for filtering')",
          ),
        );
      emit(out, simple);
      return;
    }
    if (simple || TARGET_NAMES_NEEDING_OPTIONS.has(name) || KNOWN_TARGETS.has(name)) {
      const why = KNOWN_TARGETS.has(name)
        ? ''
        : t.kind === 'goto'
          ? ': -g takes a user chain'
          : ' in this spelling; write its name unquoted';
      ctx.errors.push(iptCodes['ipt-unsupported-target'](ctx.where(t.name), name, why));
      return;
    }
  }
  const entry = chainNameAt(ctx.shared.names[ctx.table], c.src, c.start, c.end);
  ctx.jumpTo = entry;
  emit(out, chainStep(entry, t.kind));
}

const TARGET_NAMES_NEEDING_OPTIONS: ReadonlySet<string> = new Set(['REJECT', 'DNAT', 'MASQUERADE', 'MARK']);
