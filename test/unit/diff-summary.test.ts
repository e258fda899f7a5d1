// The diff's summary (api/diff-summary.ts) reads each change's two distributions: which endpoints
// are reached now and no longer, and what else differs — one kind per part of the outcome.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type SummarizedChange, summarizeChanges } from '../../api/diff-summary.ts';

const line = (outcome: string, num = 1n, den = 1n) => ({ outcome, p: { num, den } });
const ref = (servicePortName: string) => ({ namespace: 'ns', name: 'svc', servicePortName });

/** A change of `port` from `old` to `next` (only what the summary reads). */
function change(
  port: string | null,
  old: ReturnType<typeof line>[],
  next: ReturnType<typeof line>[],
): SummarizedChange {
  const refs = port === null ? [] : [ref(port)];
  return { distributions: { old, new: next }, classes: 2, servicePorts: { old: refs, new: refs } };
}

test('each part of an outcome that changes is named', () => {
  const cases: [string, SummarizedChange, string[]][] = [
    [
      'an endpoint more',
      change(
        'a',
        [line('accept dnat 10.0.0.1:80 mark 0x0')],
        [line('accept dnat 10.0.0.1:80 mark 0x0', 1n, 2n), line('accept dnat 10.0.0.2:80 mark 0x0', 1n, 2n)],
      ),
      ['endpoints', 'probabilities'],
    ],
    [
      'rejected now',
      change('b', [line('accept dnat 10.0.0.1:80 mark 0x0')], [line('reject mark 0x0')]),
      ['endpoints', 'verdict'],
    ],
    [
      'masqueraded now',
      change('c', [line('accept dnat 10.0.0.1:80 mark 0x0')], [line('accept dnat 10.0.0.1:80 masquerade mark 0x0')]),
      ['masquerade'],
    ],
    [
      'another mark',
      change('d', [line('accept dnat 10.0.0.1:80 mark 0x0')], [line('accept dnat 10.0.0.1:80 mark 0x4000')]),
      ['mark'],
    ],
    [
      'no affinity record written',
      change('e', [line('accept dnat 10.0.0.1:80 mark 0x0 affinity l1')], [line('accept dnat 10.0.0.1:80 mark 0x0')]),
      ['affinity'],
    ],
    [
      'other shares',
      change(
        'f',
        [line('accept dnat 10.0.0.1:80 mark 0x0', 1n, 3n), line('accept dnat 10.0.0.2:80 mark 0x0', 2n, 3n)],
        [line('accept dnat 10.0.0.1:80 mark 0x0', 1n, 2n), line('accept dnat 10.0.0.2:80 mark 0x0', 1n, 2n)],
      ),
      ['probabilities'],
    ],
    [
      'nothing the kinds name',
      change('g', [line('drop mark 0x0')], [line('drop mark 0x0', 1n, 1n), line('junk')]),
      ['other'],
    ],
  ];
  for (const [what, ch, kinds] of cases) assert.equal(summarizeChanges([ch])[0]!.kinds, kinds, what);
});

test('changes are grouped by service port, endpoints gathered, verdicts united', () => {
  const s = summarizeChanges([
    change('a', [line('reject mark 0x0')], [line('accept dnat 10.0.0.2:80 mark 0x0')]),
    change('b', [line('accept dnat 10.0.0.9:80 mark 0x0')], [line('accept mark 0x0')]),
    change('a', [line('drop mark 0x0')], [line('accept dnat 10.0.0.3:80 mark 0x0')]),
    change(null, [line('accept mark 0x0')], [line('drop mark 0x0')]),
  ]);
  assert.equal(
    s.map((x) => [x.servicePortName, x.changes, x.classes, x.endpointsAdded, x.endpointsRemoved, x.verdicts]),
    [
      ['a', 2, 4, ['10.0.0.2:80', '10.0.0.3:80'], [], { old: ['drop', 'reject'], new: ['accept'] }],
      ['b', 1, 2, [], ['10.0.0.9:80'], null],
      [null, 1, 2, [], [], { old: ['accept'], new: ['drop'] }],
    ],
  );
});

test('verdict changes are kept per change: accept -> reject beside reject -> accept is not accept/reject both ways', () => {
  const [s] = summarizeChanges([
    change('a', [line('accept mark 0x0')], [line('reject mark 0x0')]),
    change('a', [line('reject mark 0x0')], [line('accept mark 0x0')]),
    change('a', [line('accept mark 0x0')], [line('reject mark 0x0')]),
  ]);
  assert.equal(s!.verdicts, { old: ['accept', 'reject'], new: ['accept', 'reject'] });
  assert.equal(s!.verdictChanges, ['accept -> reject', 'reject -> accept']);
});

test('an endpoint one change drops and another adds is neither added nor removed: other packets reach it', () => {
  // a port moved (80 -> 8081): packets to 80 no longer reach the endpoint, packets to 8081 now do;
  // "now also reaches X; no longer reaches X" said the opposite of itself
  const moved = summarizeChanges([
    change('a', [line('accept dnat 10.0.0.1:8080 mark 0x0')], [line('reject mark 0x0')]),
    change('a', [line('accept mark 0x0')], [line('accept dnat 10.0.0.1:8080 mark 0x0')]),
    change('a', [line('accept mark 0x0')], [line('accept dnat 10.0.0.2:8080 mark 0x0')]),
  ]);
  assert.equal(
    moved.map((x) => [x.endpointsAdded, x.endpointsRemoved, x.endpointsShifted]),
    [[['10.0.0.2:8080'], [], ['10.0.0.1:8080']]],
  );
  // affinity added: a client with a record reaches its endpoint only; both are still reached
  const half = (ip: string) => line(`accept dnat ${ip}:8080 mark 0x0`, 1n, 2n);
  const sticky = (ip: string) => [line(`accept dnat ${ip}:8080 mark 0x0 affinity shop/web:http/tcp/${ip}:8080`)];
  const affinity = summarizeChanges([
    change('a', [half('10.0.0.1'), half('10.0.0.2')], sticky('10.0.0.1')),
    change('a', [half('10.0.0.1'), half('10.0.0.2')], sticky('10.0.0.2')),
  ]);
  assert.equal(
    affinity.map((x) => [x.endpointsAdded, x.endpointsRemoved, x.endpointsShifted]),
    [[[], [], ['10.0.0.1:8080', '10.0.0.2:8080']]],
  );
});

test.run();
