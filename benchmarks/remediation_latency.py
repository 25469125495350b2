"""Remediation start latency: fleet's start beside a raw Mistral create.

Against the lab's Mistral (``python3 -m tools.lab up --only mistral``):

- baseline: ``executions.create`` of a one-task workflow through
  python-mistralclient, until Mistral answers (the execution RUNNING);
- fleet: ``Remediations.plan`` + ``start`` of the same kind of workflow
  (an operator workbook in a temporary ``workbook_dirs``) on a device of a
  temporary SQLite inventory: plan checks, the blast-radius lock and the
  persisted row, the executor's pre-condition and the create with the
  idempotency key, the state recorded.

Alternating pairs; medians and the ratio are printed::

    flock /tmp/fleet-bench.lock .venv/bin/python \\
        benchmarks/remediation_latency.py [--runs 10]
"""

import argparse
import json
import os
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))))

BOOK = """\
---
version: '2.0'
name: fleet_bench
workflows:
  noop:
    input: [host, reason, {fleet_config: null}]
    tasks:
      noop:
        action: std.noop
"""


def lab_mistral():
    """The lab's Mistral entry of lab.json."""
    lab_dir = os.environ.get('FLEET_LAB_DIR',
                             os.path.expanduser('~/.cache/fleet-lab'))
    with open(os.path.join(lab_dir, 'lab.json')) as f:
        return json.load(f)['mistral']


def write_conf(work, mistral, extra=''):
    """A fleet.conf in ``work``: SQLite there, a secret key, Mistral, and
    :data:`BOOK` as an operator workbook; ``extra`` appended."""
    from fleet.common import crypto

    books = os.path.join(work, 'books')
    os.mkdir(books)
    with open(os.path.join(books, 'fleet_bench.yaml'), 'w') as f:
        f.write(BOOK)
    key_file = os.path.join(work, 'secret.key')
    crypto.create_key_file(key_file)
    conf_file = os.path.join(work, 'fleet.conf')
    with open(conf_file, 'w') as f:
        f.write('[database]\nconnection = sqlite:///%s/fleet.sqlite\n'
                '[secrets]\nkey_file = %s\n[remediation]\n'
                'enabled_executors = mistral\nmax_devices_out = 0\n'
                'workbook_dirs = %s\n[executors.mistral]\nurl = %s\n%s'
                % (work, key_file, books, mistral['endpoint'], extra))
    return conf_file


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--runs', type=int, default=10)
    args = parser.parse_args()
    mistral = lab_mistral()
    work = tempfile.mkdtemp(prefix='fleet-bench-')

    from fleet import api
    from fleet import conf as fleet_conf

    conf = fleet_conf.load([write_conf(work, mistral)])
    fleet = api.connect(conf=conf)
    ctx = fleet.context(actor='bench', reason='latency')
    fleet.clouds.create(ctx, 'c')
    fleet.regions.create(ctx, 'r', cloud='c')
    fleet.devices.create(ctx, 'bench-1', region='r')
    executor = fleet.remediations.executor()
    executor.sync_workbook('fleet_bench', BOOK)
    client = executor.client()

    raw, ours = [], []
    for _ in range(args.runs):
        t0 = time.perf_counter()
        ex = client.executions.create('fleet_bench.noop', workflow_input={
            'host': 'bench-1', 'reason': 'raw'})
        raw.append(time.perf_counter() - t0)
        assert ex.state in ('RUNNING', 'SUCCESS'), ex.state
        t0 = time.perf_counter()
        plan = fleet.remediations.plan(ctx, 'fleet_bench.noop', 'bench-1')
        rem = fleet.remediations.start(ctx, plan)
        ours.append(time.perf_counter() - t0)
        assert rem['state'] == 'running', rem
    raw_m, ours_m = statistics.median(raw), statistics.median(ours)
    print('raw Mistral execution create (RUNNING):  median %.3f s  '
          '(min %.3f, max %.3f, %d runs)' % (raw_m, min(raw), max(raw),
                                             len(raw)))
    print('fleet remediation start (plan+start):    median %.3f s  '
          '(min %.3f, max %.3f)' % (ours_m, min(ours), max(ours)))
    print('fleet - raw: %+.3f s; ratio %.2f (goal: under 2 s and at most '
          'raw + 0.3 s)' % (ours_m - raw_m, ours_m / raw_m))


if __name__ == '__main__':
    main()
