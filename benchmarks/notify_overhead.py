"""What publishing events costs the caller that commits.

Two figures, each beside a baseline measured in the same run:

* ``--updates`` single-device updates (``fleet.devices.update``, one
  transaction each) with no notifier (baseline), then with the ``webhook``
  notifier posting to a closed port (a dead target, retried in the
  background) and with the ``log`` notifier: median and 99th percentile
  per call, and the ratio of medians.
* one inventory sync that updates ``--devices`` devices in one
  transaction, with and without notifiers: the extra time is deriving one
  event per device from the change rows and queueing it.

    python benchmarks/notify_overhead.py [--updates 300] [--devices 10000]
"""

import argparse
import os
import socket
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..'))


def _parse():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--updates', type=int, default=300)
    p.add_argument('--devices', type=int, default=10000)
    return p.parse_args()


def _closed_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def _fleet(work, name, notifiers):
    from fleet import api
    from fleet.common import crypto
    from fleet import conf as fleet_conf
    from fleet.plugins import loader
    from fleet.plugins.notifiers import webhook

    conf = fleet_conf.CONF
    conf.reset()
    conf([], project='fleet', default_config_files=[])
    key = os.path.join(work, name + '.key')
    crypto.create_key_file(key)
    conf.set_override('key_file', key, group='secrets')
    conf.set_override('enabled_notifiers', notifiers, group='notifications')
    conf.set_override('queue_size', 1000000, group='notifications')
    loader.register_plugin_opts(conf, 'notifiers', 'webhook',
                                webhook.WebhookNotifier)
    secret = os.path.join(work, 'hook.secret')
    with open(secret, 'w') as f:
        f.write('bench-secret\n')
    conf.set_override('url', 'http://127.0.0.1:%d/' % _closed_port(),
                      group='notifiers.webhook')
    conf.set_override('secret_file', secret, group='notifiers.webhook')
    return api.connect(url='sqlite:///%s/%s.sqlite' % (work, name),
                       conf=conf)


def _snapshot(devices, serial):
    from fleet.plugins.sources import base
    return base.Snapshot(
        clouds=[{'name': 'bench'}],
        regions=[{'name': 'r1', 'cloud': 'bench'}],
        devices=[base.DeviceRecord(name='node-%06d' % i, region='r1',
                                   serial='%s-%d' % (serial, i))
                 for i in range(devices)])


def _updates(fleet, n):
    ctx = fleet.context(reason='bench')
    fleet.sync.apply(ctx, 'bench', _snapshot(1, 's'))
    times = []
    for i in range(n):
        started = time.perf_counter()
        fleet.devices.update(ctx, 'node-000000', serial='x%d' % i)
        times.append(time.perf_counter() - started)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.99) - 1]


def _sync(fleet, devices):
    ctx = fleet.context(reason='bench')
    fleet.sync.apply(ctx, 'bench', _snapshot(devices, 'a'))
    started = time.perf_counter()
    fleet.sync.apply(ctx, 'bench', _snapshot(devices, 'b'))
    return time.perf_counter() - started


def main():
    import logging
    logging.getLogger('fleet.notifications').addHandler(
        logging.NullHandler())
    logging.getLogger('fleet.notifications').propagate = False
    args = _parse()
    work = tempfile.mkdtemp(prefix='fleet-bench-notify-')
    rows = []
    for label, notifiers in (('no notifier (baseline)', []),
                             ('webhook to a dead target', ['webhook']),
                             ('log', ['log'])):
        fleet = _fleet(work, 'u%d' % len(rows), notifiers)
        median, p99 = _updates(fleet, args.updates)
        stats = fleet.notifications.stats()
        fleet.notifications.close(timeout=0)
        rows.append((label, median, p99, stats))
    base = rows[0][1]
    print('%d device updates, one transaction each' % args.updates)
    for label, median, p99, _stats in rows:
        print('  %-26s median %6.2f ms  p99 %6.2f ms  ratio %.2f x'
              % (label, median * 1e3, p99 * 1e3, median / base))
    print('  (webhook: %s)' % rows[1][3].get('webhook'))
    plain = _sync(_fleet(work, 's0', []), args.devices)
    fleet = _fleet(work, 's1', ['webhook'])
    notified = _sync(fleet, args.devices)
    queued = fleet.notifications.stats()['webhook']['pending']
    fleet.notifications.close(timeout=0)
    print('sync updating %d devices in one transaction' % args.devices)
    print('  no notifier (baseline)      %6.2f s' % plain)
    print('  webhook to a dead target    %6.2f s  ratio %.2f x  '
          '(%d events queued)' % (notified, notified / plain, queued))


if __name__ == '__main__':
    main()
