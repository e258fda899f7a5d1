// A ruleset the engine cannot check although the readers accepted it: a limit of the packet space
// (more mark bits than it splits on), a construct only the evaluation meets (a port tested before
// its protocol, nesting past the depth limit), or more evaluations than a class may take. It is
// the input's, not ksvc's: the API reports it as a diagnostic (api/verify.ts), never as a crash.
export class UnsupportedRuleset extends Error {
  /** The rule it is about, when one is (set where the rule is compiled): the report points there. */
  origin?: { file: string; line?: number; jsonPath?: string };
}

/** What compiling a model against a packet space refuses (engine/compile.ts, compile-parts.ts). */
export class CompileError extends UnsupportedRuleset {}
