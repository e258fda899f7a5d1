// The ohm-js grammar of one iptables-restore / iptables-save line, both families. It lists every
// option the verifier understands, with its arity; an option, match module or target it does not
// list is a syntax failure, which the reader reports as "not supported" (closed world).
//
// It matches two kinds of input: a real line (values are words, optionally quoted, as
// iptables-restore splits them), and a skeleton from tokenize.ts where every value is the
// placeholder ⟨v⟩. The reader matches skeletons only (once per distinct skeleton); tests match
// real lines directly to show both give the same rule. Kept as a string so the bundled CLI
// carries it (a separate .ohm file would not travel with esbuild's bundle).
//
// Layout: `Line` is one of a table line (*nat), a chain line (:NAME POLICY [p:b]), COMMIT, a rule
// (-A CHAIN ...) or a chain deletion (-X CHAIN; kube-proxy writes it for stale chains). A rule is
// a flat list of items; a match module (-m NAME) or target (-j NAME) is followed by its own
// options, mixed with the generic ones (-s, -d, -p, -i, -o, -c) as kube-proxy writes them
// (`-m tcp -p tcp -d 10.0.0.1 --dport 80`).
import * as ohm from 'ohm-js';
import { IPTABLES_GRAMMAR_RECIPE } from './grammar-recipe.ts';

export const IPTABLES_GRAMMAR_SOURCE = String.raw`
IptablesLine {
  Line = TableLine | ChainLine | CommitLine | DeleteLine | RuleLine

  TableLine = "*" val
  ChainLine = ":" val val val?
  CommitLine = lit<"COMMIT">
  DeleteLine = val? deleteOpt val
  RuleLine = val? appendOpt val Item*

  Item = Header | Counters | Match | Target

  Header = bang? headerOpt bang? val
  Counters = countersOpt val val

  Match = matchOpt MatchSpec
  MatchSpec = Comment | Tcp | Udp | Sctp | Multiport | Addrtype | Conntrack | State | Mark | Recent
            | Statistic | Nfacct
  Comment = lit<"comment"> (Text<lit<"--comment">> | Header | Counters)*
  Tcp = lit<"tcp"> (Opt<portOpt> | Header | Counters)*
  Udp = lit<"udp"> (Opt<portOpt> | Header | Counters)*
  Sctp = lit<"sctp"> (Opt<portOpt> | Header | Counters)*
  Multiport = lit<"multiport"> (Opt<multiportOpt> | Header | Counters)*
  Addrtype = lit<"addrtype"> (Opt<addrtypeOpt> | Header | Counters)*
  Conntrack = lit<"conntrack"> (Opt<lit<"--ctstate">> | Header | Counters)*
  State = lit<"state"> (Opt<lit<"--state">> | Header | Counters)*
  Mark = lit<"mark"> (Opt<lit<"--mark">> | Header | Counters)*
  Recent = lit<"recent"> (Text<lit<"--name">> | Opt<recentValueOpt> | Flag<recentFlag> | Header | Counters)*
  Statistic = lit<"statistic"> (Opt<statisticOpt> | Header | Counters)*
  Nfacct = lit<"nfacct"> (Text<lit<"--nfacct-name">> | Header | Counters)*

  Target = jumpOpt TargetSpec  -- jump
         | gotoOpt val         -- goto
  TargetSpec = Reject | Dnat | Masquerade | MarkTarget | Verdict | ChainTarget
  Reject = lit<"REJECT"> (Opt<lit<"--reject-with">> | Header | Counters)*
  Dnat = lit<"DNAT"> (Opt<lit<"--to-destination">> | Header | Counters)*
  Masquerade = lit<"MASQUERADE"> (Flag<lit<"--random-fully">> | Header | Counters)*
  MarkTarget = lit<"MARK"> (Opt<markOpt> | Header | Counters)*
  Verdict = lit<"ACCEPT"> | lit<"DROP"> | lit<"RETURN">
  ChainTarget = val

  // An option with one value, without a value, or with free text ('!' before the option negates;
  // '!' after it is the old intrapositioned form, which the reader refuses with a clear message).
  Opt<name> = bang? name bang? val
  Flag<name> = bang? name
  Text<name> = bang? name anyVal

  appendOpt = lit<"-A"> | lit<"--append">
  deleteOpt = lit<"-X"> | lit<"--delete-chain">
  matchOpt = lit<"-m"> | lit<"--match">
  jumpOpt = lit<"-j"> | lit<"--jump">
  gotoOpt = lit<"-g"> | lit<"--goto">
  countersOpt = lit<"-c"> | lit<"--set-counters">
  headerOpt = lit<"-s"> | lit<"--source"> | lit<"--src"> | lit<"-d"> | lit<"--destination"> | lit<"--dst">
            | lit<"-p"> | lit<"--protocol"> | lit<"-i"> | lit<"--in-interface"> | lit<"-o">
            | lit<"--out-interface">
  portOpt = lit<"--dport"> | lit<"--destination-port"> | lit<"--sport"> | lit<"--source-port">
  multiportOpt = lit<"--dports"> | lit<"--destination-ports"> | lit<"--sports"> | lit<"--source-ports">
               | lit<"--ports">
  addrtypeOpt = lit<"--src-type"> | lit<"--dst-type">
  recentValueOpt = lit<"--seconds"> | lit<"--mask">
  recentFlag = lit<"--set"> | lit<"--rcheck"> | lit<"--update"> | lit<"--reap"> | lit<"--rsource">
             | lit<"--rdest">
  statisticOpt = lit<"--mode"> | lit<"--probability">
  markOpt = lit<"--set-xmark"> | lit<"--set-mark"> | lit<"--or-mark"> | lit<"--xor-mark"> | lit<"--and-mark">

  // A literal token: the text, then the end of the token.
  lit<text> = text ~tokenChar
  bang = "!" ~tokenChar
  // A value: never an option or '!' (as the tokenizer classifies them); free text may be anything.
  val = placeholder | ~optionLike ~bang word
  anyVal = placeholder | word
  placeholder = "⟨v⟩"
  optionLike = "--" asciiLetter (asciiLetter | digit | "-")* ~tokenChar  -- long
             | "-" asciiLetter ~tokenChar                                 -- short
  asciiLetter = "a".."z" | "A".."Z"
  word = bareChar+ quoted?  -- bare
       | quoted             -- quoted
  bareChar = ~space ~"\"" any
  quoted = "\"" qchar* "\""
  qchar = "\\" any    -- escape
        | ~"\"" any   -- plain
  tokenChar = ~space any
  space := " " | "\t"
}
`;

let compiled: ohm.Grammar | undefined;

/**
 * The grammar, built on first use from its recipe (grammar-recipe.ts, generated from the source
 * above; a test fails when it is stale): ohm needs ~50 ms for that, against ~0.5 s to compile the
 * source, which every `ksvc verify` would pay.
 */
export function iptablesGrammar(): ohm.Grammar {
  compiled ??= (ohm as unknown as OhmRecipes).makeRecipe(IPTABLES_GRAMMAR_RECIPE);
  return compiled;
}

/** ohm-js's recipe functions (public API, missing from its type declarations). */
interface OhmRecipes {
  makeRecipe(recipe: string): ohm.Grammar;
}
type RecipeGrammar = ohm.Grammar & { toRecipe(): string };

/** The recipe file's text for the current source (tests compare; UPDATE_GOLDEN=1 writes it). */
export function grammarRecipeFile(): string {
  const recipe = (ohm.grammar(IPTABLES_GRAMMAR_SOURCE) as RecipeGrammar).toRecipe();
  // A single-quoted literal, as the formatter writes it.
  const literal = `'${recipe.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  return [
    "// Generated from IPTABLES_GRAMMAR_SOURCE (grammar.ts) by ohm's toRecipe(); do not edit. The test",
    '// test/verifier/iptables-grammar.test.ts fails when it is stale (UPDATE_GOLDEN=1 rewrites it).',
    'export const IPTABLES_GRAMMAR_RECIPE =',
    `  ${literal};`,
    '',
  ].join('\n');
}
