// How the import's streaming fast paths (yaml-fast.ts for tool-written YAML, json-reader.ts for a
// JSON List) say that the text is not theirs after they may have handed out objects: a sentinel
// thrown to importKubernetes, which starts again without them (kube/index.ts).

/** Thrown as is: one frozen object, no stack to capture. */
const DECLINE = Object.freeze({ fastPathDeclined: true });

export const declineFastPath = (): never => {
  throw DECLINE;
};

export const isFastPathDecline = (e: unknown): boolean => e === DECLINE;
