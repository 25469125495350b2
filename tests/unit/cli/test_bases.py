"""The command bases of :mod:`fleet.cli.bases`, over every command built on
them (found through the package's entry points)."""

import importlib.metadata
import types

from osc_lib import exceptions as osc_exc
import sqlalchemy as sa
import testtools

from fleet.cli import bases
from fleet.db import models
from tests.unit.cli import base

#: Positional arguments a command needs to parse.
POSITIONALS = {'fleet_alert_history': ['7']}


def _commands(kind):
    found = []
    for ep in importlib.metadata.entry_points(group='openstack.fleet.v1'):
        cls = ep.load()
        if issubclass(cls, kind):
            found.append((ep.name, cls))
    return sorted(found, key=lambda nc: nc[0])


class _NoService:
    """A client that fails the test if the command asks it anything."""

    def __getattr__(self, name):
        raise AssertionError('asked the client for %s' % name)


class TestColumnsListers(testtools.TestCase):

    def test_an_unknown_field_is_refused_before_the_service_is_asked(self):
        listers = _commands(bases.ColumnsLister)
        # The levels' lists, alerts, alert history, changes, findings,
        # silences, policies, policy stats, remediations, decisions,
        # metrics, workflows.
        self.assertGreaterEqual(len(listers), 15, listers)
        app = types.SimpleNamespace(fleet_client=_NoService(),
                                    options=types.SimpleNamespace())
        for name, cls in listers:
            cmd = cls(app, None)
            parsed = cmd.get_parser(name).parse_args(
                POSITIONALS.get(name, []) + ['--fields', 'nope'])
            exc = self.assertRaises(osc_exc.CommandError, cmd.take_action,
                                    parsed)
            self.assertEqual('--fields: no field nope; valid fields: %s.'
                             % ', '.join(cmd.resource.fields), str(exc),
                             name)


class TestDeleteCommands(base.CLITestCase):

    def test_several_silences_are_one_request_with_its_reason(self):
        ids = [str(self.fleet_json(
            'silence', 'create', '--matcher', 'alertname=A%d' % i,
            '--expires', '2h', '--comment', 'c')['id']) for i in (1, 2)]
        self.fleet_cli('silence', 'delete', *ids, '--reason', 'done')
        c = models.Change
        with self.fleet().reading() as s:
            rows = s.execute(sa.select(c.request_id, c.reason).where(
                c.object_type == 'silence', c.action == 'delete')).all()
        self.assertEqual(2, len(rows))
        self.assertEqual({'done'}, {r.reason for r in rows})
        self.assertEqual(1, len({r.request_id for r in rows}))

    def test_the_summary_names_the_kind_in_the_plural(self):
        res = self.fleet_cli('policy', 'delete', 'nope', 'nada', expect=1)
        self.assertEqual("No policy named 'nope'.\nNo policy named "
                         "'nada'.\n2 of 2 policies were not deleted.\n",
                         res.err)
        fleet = self.make_place()
        for device in ('a', 'b'):
            fleet.devices.create(self.ctx, device)
        res = self.fleet_cli('device', 'delete', 'a', 'nope', 'b', expect=1)
        self.assertIn('1 of 3 devices were not deleted.', res.err)
        self.assertEqual([], fleet.devices.list(self.ctx))


class TestOptionChecks(base.CLITestCase):

    def test_a_count_below_its_least_is_one_line_exit_1(self):
        for argv, text in (
                (('finding', 'list', '--limit', '0'),
                 '--limit: must be 1 or more.'),
                (('metric', 'list', '--limit', '0'),
                 '--limit: must be 1 or more.'),
                (('metric', 'show', 'node-1', '--limit', '0'),
                 '--limit: must be 1 or more.'),
                (('change', 'list', '--limit', '-1'),
                 '--limit: must be 0 or more.'),
                (('alert', 'list', '--limit', '-1'),
                 '--limit: must be 0 or more.'),
                (('remediation', 'list', '--limit', '-1'),
                 '--limit: must be 0 or more.'),
                (('health', '--worst', '-1'),
                 '--worst: must be 0 or more.')):
            res = self.fleet_cli(*argv, expect=1)
            self.assertEqual(text + '\n', res.err, argv)
