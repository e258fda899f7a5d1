// The grammar ships as its source (grammar.ts) and as an ohm recipe built from it
// (grammar-recipe.ts, loaded ~10x faster): the recipe must be the source's.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { grammarRecipeFile, iptablesGrammar } from '../../verifier/iptables/grammar.ts';
import { expectGolden } from '../support/golden.ts';

const test = suite('iptables grammar');

test('grammar-recipe.ts is the recipe of the current grammar source', () => {
  expectGolden(new URL('../../verifier/iptables/grammar-recipe.ts', import.meta.url), grammarRecipeFile());
});

test('the grammar built from the recipe matches what the source describes', () => {
  const g = iptablesGrammar();
  assert.ok(g.match('-A KUBE-X -m comment --comment "a b" -m tcp -p tcp --dport 80 -j KUBE-Y').succeeded());
  assert.ok(g.match('-A KUBE-X -m physdev -j ACCEPT').failed());
});

test.run();
