"""What the seed-scenario tests share: the lab put back as they found it.

The lab's fixed layout (tools/lab/nova.py): every seed server on
lab-compute-1, lab-compute-2 empty, both nova-computes enabled and up,
Ironic maintenance only on lab-spare-2, the BMCs powered on with their
initial readings. A scenario drains, fences or breaks some of that; its
cleanup puts it back so that the other tests (and the other helpers'
runs of the shared lab) find the layout they expect.
"""

import json
import time

from tests.functional import test_remediation
from tools.lab import nova as lab_nova

SEED_HOST = 'lab-compute-1'


class ScenarioTestCase(test_remediation.RemediationTestCase):
    """A remediation test that leaves the lab as it found it."""

    max_devices_out = 3

    def setUp(self):
        super().setUp()
        self.conn = self.sdk()
        self.touched_nodes = set()
        self.addCleanup(self.restore_lab)

    # -- reading the lab ------------------------------------------------
    def service(self, host):
        return [s for s in self.conn.compute.services(binary='nova-compute')
                if s.host == host][0]

    def servers_on(self, host):
        return sorted(s.name for s in self.conn.compute.servers(
            all_projects=True, compute_host=host))

    def seed_servers(self):
        return sorted(name for name, _host in lab_nova.SERVERS)

    def task_executions(self, execution_id):
        """The execution's tasks (sub-workflows' tasks included), by start.

        ``[(name, state, started_at, finished_at)]``.
        """
        mistral = self.mistral()
        out, todo = [], [execution_id]
        while todo:
            ex_id = todo.pop()
            for task in mistral.tasks.list(workflow_execution_id=ex_id):
                out.append((task.name, task.state, task.created_at,
                            task.updated_at))
                if task.type == 'WORKFLOW':
                    todo.extend(e.id for e in mistral.executions.list(
                        task=task.id))
        return sorted(out, key=lambda t: (t[2], t[3]))

    def triggered_by(self, execution_id):
        """``{task: [names of the tasks whose transition started it]}``.

        From each task execution's ``runtime_context.triggered_by`` in
        Mistral: the order the engine really followed, which the tasks'
        timestamps (whole seconds in MariaDB) cannot tell.
        """
        tasks = list(self.mistral().tasks.list(
            workflow_execution_id=execution_id))
        names = {t.id: t.name for t in tasks}
        out = {}
        for task in tasks:
            ctx = task.runtime_context or {}
            if isinstance(ctx, str):
                ctx = json.loads(ctx)
            self.assertEqual('SUCCESS', task.state, task.name)
            out[task.name] = sorted(names.get(t['task_id'], t['task_id'])
                                    for t in ctx.get('triggered_by') or [])
        return out

    def fleet_changes(self, *args):
        return self.fleet_json('change', 'list', *args)

    # -- putting it back ------------------------------------------------
    def restore_lab(self):
        conn = self.conn
        for svc in conn.compute.services(binary='nova-compute'):
            if svc.status == 'disabled':
                conn.compute.enable_service(svc)
        for name in self.touched_nodes:
            node = conn.baremetal.get_node(name)
            if node.is_maintenance:
                conn.baremetal.unset_node_maintenance(node)
        moving = []
        for server in conn.compute.servers(all_projects=True):
            if server.name not in self.seed_servers():
                continue
            if server.compute_host == SEED_HOST:
                continue
            moving.append(server.id)
            if server.status == 'ACTIVE':
                conn.compute.live_migrate_server(
                    server, host=SEED_HOST, block_migration='auto')
            elif server.status == 'SHUTOFF':
                conn.compute.migrate_server(server, host=SEED_HOST)
        deadline = time.monotonic() + 120
        while moving and time.monotonic() < deadline:
            for server_id in list(moving):
                server = conn.compute.get_server(server_id)
                if server.status == 'VERIFY_RESIZE':
                    conn.compute.confirm_server_resize(server)
                elif server.compute_host == SEED_HOST and server.status in (
                        'ACTIVE', 'SHUTOFF'):
                    moving.remove(server_id)
            time.sleep(0.5)
        self.assertEqual([], moving, 'seed servers not back on %s'
                         % SEED_HOST)

    def load_policy(self, text):
        path = '%s/scenario.yaml' % self.work
        with open(path, 'w') as f:
            f.write(text)
        self.fleet('policy', 'load', path)

    def findings(self):
        rows = json.loads(self.fleet('finding', 'list', '--long', '-f',
                                     'json').stdout)
        return {(r['Rule'], r['Subject']): r for r in rows}
