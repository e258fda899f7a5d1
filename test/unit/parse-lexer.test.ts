// The lexer's word classes and shapes (docs/language.md, "Lexical rules").
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { lex } from '../../grammar/lexer.ts';

const kinds = (text: string) => lex(text).tokens.map((t) => `${t.tokenType.name}:${t.image}`);

test('words are classified by their text', () => {
  assert.equal(kinds('service 53 30000-32767 10.0.0.1 10.1 300.1.1.1 kube-dns 2048-game ip-10-0-0-1.ec2.internal'), [
    "'service':service",
    'Number:53',
    'NumberRange:30000-32767',
    'IPv4:10.0.0.1',
    'IPv4:10.1',
    'IPv4:300.1.1.1',
    'Word:kube-dns',
    'Word:2048-game',
    'Word:ip-10-0-0-1.ec2.internal',
  ]);
  assert.equal(kinds('30000- 1-2-3 10.0.0.1-x'), ['Word:30000-', 'Word:1-2-3', 'Word:10.0.0.1-x']);
});

test('IPv6 needs two colons; NAME: stays a port name', () => {
  assert.equal(kinds('dns: fd00::1 fd00:10:180::1 ::ffff:10.0.0.1 ::'), [
    'PortName:dns',
    'Colon::',
    'IPv6:fd00::1',
    'IPv6:fd00:10:180::1',
    'IPv6:::ffff:10.0.0.1',
    'IPv6:::',
  ]);
  assert.equal(kinds('[fd00:32::10]:53/udp'), [
    'LBracket:[',
    'IPv6:fd00:32::10',
    'RBracket:]',
    'Colon::',
    'Number:53',
    'Slash:/',
    "'udp':udp",
  ]);
  assert.equal(kinds('add: cafe:ClusterIP'), [
    'PortName:add',
    'Colon::',
    'PortName:cafe',
    'Colon::',
    "'ClusterIP':ClusterIP",
  ]);
});

test("'->' ends a word; keywords before ':' are port names except '-> endpoints:'", () => {
  assert.equal(kinds('tcp->endpoints:8080'), [
    "'tcp':tcp",
    'Arrow:->',
    "'endpoints':endpoints",
    'Colon::',
    'Number:8080',
  ]);
  assert.equal(kinds('endpoints: http: 80:'), [
    'PortName:endpoints',
    'Colon::',
    'PortName:http',
    'Colon::',
    'PortName:80',
    'Colon::',
  ]);
  assert.equal(kinds('not-ready - a-b'), ["'not-ready':not-ready", 'Dash:-', 'Word:a-b']);
});

test('comments, whitespace, unexpected characters', () => {
  const r = lex('a # one\r\n\t\u00a0b #two\n%% c \u0000');
  assert.equal(
    r.tokens.map((t) => t.image),
    ['a', 'b', 'c'],
  );
  assert.equal(r.comments, [
    { offset: 2, text: ' one' },
    { offset: 13, text: 'two' },
  ]);
  assert.equal(r.errors, [
    { offset: 18, length: 2 },
    { offset: 23, length: 1 },
  ]);
  assert.equal(kinds('sérvice 名前'), ['Word:sérvice', 'Word:名前']);
});

test.run();
