// The memo behind netfilter-eval's evaluation after the first hook: a decision tree of the class
// questions an evaluation asked, per flow state, so a class reuses an earlier evaluation by
// answering one path of questions (see EvalMemo).

import type { Leaf } from './flow.ts';
import type { IntervalSet } from './intervals.ts';
import type { ClassQuery } from './query.ts';

/**
 * Memo of the rest of an evaluation after the first hook (routing, the remaining hooks), per flow
 * state: within a shard, every class sends the same few flows (one per endpoint) down the same
 * filter and postrouting chains. The evaluation is deterministic given the flow state and the
 * answers the class gives, so its questions form a decision tree: each node holds the question
 * the evaluation asks next and one child per answer seen; a leaf holds the result. A class walks
 * the tree asking those questions (and is split where it cannot answer one uniformly, as the
 * evaluation would split it) — a lookup costs one path, however many classes went before.
 */
export interface EvalMemo {
  roots: Map<string, MemoNode>;
  /** question nodes filed; past MEMO_NODES the tree is dropped and regrown (bounded memory) */
  nodes: number;
}

export const newEvalMemo = (): EvalMemo => ({ roots: new Map(), nodes: 0 });

const MEMO_NODES = 250_000;

type Question =
  | { k: 'ask'; dim: number; set: IntervalSet }
  | { k: 'probe'; dim: number; set: IntervalSet }
  | { k: 'pinned'; dim: number }
  | { k: 'set'; dim: number };

/** An answer as a Map key (sets by their text). */
type AnswerKey = boolean | number | string | undefined;

export interface QueryRecord {
  question: Question;
  answer: AnswerKey;
}

type MemoNode =
  | { kind: 'leaf'; leaves: Leaf[] }
  | { kind: 'question'; question: Question; next: Map<AnswerKey, MemoNode> };

export function recordingQuery(q: ClassQuery, log: QueryRecord[]): ClassQuery {
  return {
    space: q.space,
    cls: q.cls,
    ask(dim, set) {
      const answer = q.ask(dim, set);
      log.push({ question: { k: 'ask', dim, set }, answer });
      return answer;
    },
    probe(dim, set) {
      const answer = q.probe(dim, set);
      log.push({ question: { k: 'probe', dim, set }, answer });
      return answer;
    },
    pinned(dim) {
      const answer = q.pinned(dim);
      log.push({ question: { k: 'pinned', dim }, answer });
      return answer;
    },
    set(dim) {
      const answer = q.set(dim);
      log.push({ question: { k: 'set', dim }, answer: answer.join(',') });
      return answer;
    },
    // throws: nothing to record (the evaluation is abandoned and redone on each piece)
    partition: (dim, pieces) => q.partition(dim, pieces),
  };
}

function answerOf(q: ClassQuery, question: Question): AnswerKey {
  switch (question.k) {
    case 'ask':
      return q.ask(question.dim, question.set);
    case 'probe':
      return q.probe(question.dim, question.set);
    case 'pinned':
      return q.pinned(question.dim);
    case 'set':
      return q.set(question.dim).join(',');
  }
}

/** The memoised leaves for this class, or null (throws the split where the class must split). */
export function lookupMemo(q: ClassQuery, root: MemoNode | undefined): Leaf[] | null {
  let node = root;
  while (node) {
    if (node.kind === 'leaf') return node.leaves;
    node = node.next.get(answerOf(q, node.question));
  }
  return null;
}

const sameSet = (a: IntervalSet, b: IntervalSet): boolean =>
  a === b || (a.length === b.length && a.every((v, i) => v === b[i]));

const sameQuestion = (a: Question, b: Question): boolean =>
  a.k === b.k &&
  a.dim === b.dim &&
  (a.k === 'pinned' || a.k === 'set' || sameSet(a.set, (b as { set: IntervalSet }).set));

/** File one evaluation's questions and result under `key`; a path that contradicts the tree is not filed. */
export function insertMemo(memo: EvalMemo, key: string, log: readonly QueryRecord[], leaves: Leaf[]): void {
  if (memo.nodes > MEMO_NODES) {
    memo.roots.clear();
    memo.nodes = 0;
  }
  memo.nodes += log.length;
  const leaf: MemoNode = { kind: 'leaf', leaves };
  const build = (from: number): MemoNode => {
    let node: MemoNode = leaf;
    for (let i = log.length - 1; i >= from; i--) {
      node = { kind: 'question', question: log[i]!.question, next: new Map([[log[i]!.answer, node]]) };
    }
    return node;
  };
  let node = memo.roots.get(key);
  if (!node) {
    memo.roots.set(key, build(0));
    return;
  }
  for (let i = 0; i < log.length; i++) {
    if (node.kind !== 'question' || !sameQuestion(node.question, log[i]!.question)) return;
    const child: MemoNode | undefined = node.next.get(log[i]!.answer);
    if (!child) {
      node.next.set(log[i]!.answer, build(i + 1));
      return;
    }
    node = child;
  }
}
