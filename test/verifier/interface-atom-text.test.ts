// How a report names the interfaces of a class: an atom of a prefix stands for the names with
// that prefix that no name or longer prefix of their own takes (a review: a diff said "vet*" for
// a class that held no veth interface).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildInterfaceAtoms, interfaceAtomOf, interfaceAtomText } from '../../verifier/engine/space.ts';

const ifs = buildInterfaceAtoms(['vet0', 'eth0'], ['vet', 'veth']);
const atom = (name: string) => interfaceAtomOf(ifs, name);

test('a prefix atom names what it leaves to other atoms, unless the report shows them beside it', () => {
  const none = () => false;
  assert.is(interfaceAtomText(ifs, atom('vetx'), none), 'vet* except vet0, veth*');
  assert.is(interfaceAtomText(ifs, atom('veth3'), none), 'veth*');
  assert.is(interfaceAtomText(ifs, atom('eth0'), none), 'eth0');
  assert.is(interfaceAtomText(ifs, atom('ens5'), none), '(any other)');
  assert.is(interfaceAtomText(ifs, 0, none), '(none: generated locally)');
  // veth* in the same class: not an exception there
  const withVeth = (j: number) => j === atom('veth3');
  assert.is(interfaceAtomText(ifs, atom('vetx'), withVeth), 'vet* except vet0');
  // a name under a longer prefix is said once, with the prefix
  const nested = buildInterfaceAtoms(['veth0'], ['vet', 'veth']);
  assert.is(interfaceAtomText(nested, interfaceAtomOf(nested, 'vetx'), none), 'vet* except veth*');
});

test.run();
