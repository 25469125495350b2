"""The request context: one Fleet serving many callers."""

from fleet.api import context
from tests import base


class TestRequestContext(base.FleetTestCase):

    def test_one_fleet_records_each_callers_actor_reason_and_request(self):
        fleet = self.fleet()
        rey = context.RequestContext(actor='rey', reason='new cloud')
        api = context.RequestContext(actor='fleet-api', reason='webhook')
        fleet.clouds.create(rey, 'c1')
        fleet.regions.create(api, 'r1', cloud='c1')
        rows = {c['object_name']: c for c in fleet.changes.list(rey)}
        self.assertEqual(('rey', 'new cloud'),
                         (rows['c1']['actor'], rows['c1']['reason']))
        self.assertEqual(('fleet-api', 'webhook'),
                         (rows['r1']['actor'], rows['r1']['reason']))
        by_request = fleet.changes.list(rey, request_id=api.request_id)
        self.assertEqual(['r1'], [c['object_name'] for c in by_request])

    def test_dry_run_in_the_context_writes_nothing(self):
        fleet = self.fleet()
        fleet.clouds.create(self.ctx, 'c1')
        fleet.regions.create(self.ctx.replace(dry_run=True), 'r1')
        self.assertEqual([], fleet.regions.list(self.ctx))
        self.assertEqual(1, len(fleet.changes.list(self.ctx)))

    def test_default_context_takes_the_configured_actor(self):
        fleet = self.fleet()
        self.conf.set_override('actor', 'configured')
        ctx = fleet.context(reason='why')
        self.assertEqual(('configured', 'why', False),
                         (ctx.actor, ctx.reason, ctx.dry_run))
        self.assertNotEqual(ctx.request_id, fleet.context().request_id)
