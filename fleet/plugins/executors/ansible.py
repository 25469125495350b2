"""The ``ansible`` executor: remediations as Ansible playbook runs.

For operators whose deployment tool is Ansible: the remediation's
workflow names a playbook (``fleet_facts`` is ``fleet_facts.yml`` or
``.yaml`` in ``playbook_dirs``, then in the playbooks fleet ships), run
through ansible-runner against the device as the only host of the
inventory. The extra vars are the device's host variables as the
inventory's Ansible export gives them (secret ones only with
``pass_secrets``), then the remediation's input (``host``, ``reason`` and
``--input``).

``params`` (see :attr:`AnsibleExecutor.schema`): ``workflow`` (the
playbook's name), ``device``, ``input``, ``key`` (the remediation's
idempotency key) and ``description``.

Each run has its own ansible-runner private data directory,
``<private_data_dir>/<key>``, and the key as ident: the directory is
created exclusively before ``ansible-runner start`` detaches the run, so
a second :meth:`~AnsibleExecutor.execute` with the key (a restarted fleet,
a racing reconcile) finds the first run instead of starting another, and
the run survives the fleet process that started it. The outcome is read
from the runner's artifacts (``status``, ``rc``, ``job_events``); a
failure reads as one line, the failed task and its message. Runs are
stopped after ``timeout`` seconds (the runner's ``job_timeout``).

A playbook declares its input as its plays' ``vars`` (their values are
defaults; the input overrides them); a play's ``tags`` ``fleet-out`` and
``fleet-return`` say what a workbook workflow's tags say. A play's
``set_stats`` data (``per_host: false``) is the remediation's output.
"""

import json
import os
import shutil
import subprocess
import sys
import time

from oslo_config import cfg

from fleet.common import constants
from fleet.common import exception
from fleet.plugins import base as plugin_base
from fleet.plugins.executors import base
from fleet.plugins.executors import playbooks

#: ansible-runner's final status -> remediation state.
STATES = {'successful': 'succeeded', 'failed': 'failed',
          'timeout': 'failed', 'canceled': 'failed'}
#: The only environment a run gets (ansible-runner records it in its
#: artifacts; fleet's own environment may hold credentials).
ENVIRONMENT = ('HOME', 'LANG', 'LC_ALL', 'TMPDIR', 'USER', 'SSH_AUTH_SOCK')
#: Seconds a run may show neither a pid nor a status before it is taken
#: for dead (the time ``ansible-runner start`` takes to detach).
START_GRACE = 30.0


class AnsibleExecutor(base.Executor):
    """Run a playbook through ansible-runner and follow its artifacts."""

    schema = {
        'type': 'object',
        'required': ['workflow', 'device', 'key'],
        'properties': {
            'workflow': {'type': 'string'},
            'device': {'type': 'string'},
            'input': {'type': 'object'},
            'key': {'type': 'string'},
            'description': {'type': 'string'},
        },
    }

    unknown_workflow = 'no playbook %r (NAME.yml or NAME.yaml)'
    unknown_workflow_fix = ('add its directory to [executors.ansible] '
                            'playbook_dirs')

    @classmethod
    def get_config_opts(cls):
        return [
            cfg.ListOpt('playbook_dirs', default=[],
                        help='Directories of operators\' playbooks, '
                             'searched in order before the ones fleet '
                             'ships; a remediation\'s workflow NAME runs '
                             'NAME.yml (or NAME.yaml).'),
            cfg.StrOpt('private_data_dir', default='$state_dir/ansible',
                       help='Where each run gets its ansible-runner '
                            'private data directory (named by the '
                            'remediation\'s idempotency key: inventory, '
                            'extra vars, artifacts).'),
            plugin_base.timeout_opt(
                'Seconds a playbook run may take; ansible-runner stops '
                'it then and the remediation fails.', 3600.0, 1.0),
            cfg.BoolOpt('pass_secrets', default=False,
                        help='Pass the device\'s secret variables to the '
                             'playbook too (in plain, in the run\'s extra '
                             'vars file, removed when the run ends). fleet '
                             'masks their values in what it reports.'),
        ]

    def __init__(self, options=None, fleet=None):
        super().__init__(options)
        if fleet is not None:
            self.fleet = fleet

    # -- playbooks ---------------------------------------------------------
    def playbook(self, name):
        """The path of playbook ``name``, or None."""
        return playbooks.find(name, self.options.playbook_dirs)

    def describe(self, workflow, workbook_dirs=()):
        """The playbook's input (its plays' ``vars``) and ``fleet-*`` tags.

        :raises fleet.common.exception.Invalid: the playbook is not a
            YAML list of plays.
        """
        return playbooks.describe(workflow, self.options.playbook_dirs)

    # -- runs --------------------------------------------------------------
    def run_dir(self, key):
        """The private data directory of the run with ident ``key``."""
        if not playbooks.NAME_RE.match(key or ''):
            raise exception.Conflict(
                'idempotency key %r is not usable as an ansible-runner '
                'ident; use a UUID' % (key,), field='idempotency_key',
                value=key)
        return os.path.join(os.path.expanduser(
            self.options.private_data_dir), key)

    def pre_condition(self, params):
        if self.playbook(params['workflow']) is None:
            raise exception.Conflict(
                'playbook %s is not in %s' % (
                    params['workflow'], ', '.join(
                        list(self.options.playbook_dirs) +
                        [str(playbooks.directory())])),
                field='workflow', value=params['workflow'])
        if self.fleet is None:
            raise exception.Conflict('the ansible executor needs the fleet '
                                     'service layer for the device\'s '
                                     'variables')

    def execute(self, params):
        key = params['key']
        run = self.run_dir(key)
        os.makedirs(os.path.dirname(run), mode=0o700, exist_ok=True)
        try:
            # Created exclusively: the one run of this key.
            os.mkdir(run, 0o700)
        except FileExistsError:
            return {'execution_id': key, 'state': 'running'}
        try:
            self._start(run, key, params)
        except BaseException:
            # Nothing runs: the key may be started again.
            shutil.rmtree(run, ignore_errors=True)
            raise
        return {'execution_id': key, 'state': 'running'}

    def _start(self, run, key, params):
        """Write the run's inputs and detach ``ansible-runner start``."""
        playbook = self.playbook(params['workflow'])
        if playbook is None:
            raise exception.Conflict('playbook %s is gone' % (
                params['workflow'],), field='workflow',
                value=params['workflow'])
        device = params['device']
        _write(run, 'fleet.json', {'started_at': time.time(),
                                   'playbook': playbook, 'device': device})
        extravars = self.extravars(params)
        _write(run, 'inventory/hosts.json',
               {'all': {'hosts': {device: None}}})
        _write(run, 'env/extravars', extravars)
        _write(run, 'env/settings', {
            'job_timeout': int(max(1, round(self.options.timeout)))})
        env = {k: os.environ[k] for k in ENVIRONMENT if k in os.environ}
        env['PATH'] = os.pathsep.join(
            [os.path.dirname(sys.executable), os.defpath])
        try:
            proc = subprocess.run(
                [sys.executable, '-m', 'ansible_runner', 'start', run,
                 '--ident', key, '--project-dir', os.path.dirname(playbook),
                 '--playbook', os.path.basename(playbook),
                 '--limit', device, '--quiet'],
                env=env, capture_output=True, text=True, timeout=60)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise exception.SourceUnavailable(
                kind='Executor', source='ansible', service='ansible-runner',
                reason='start failed: %s' % exc) from None
        if proc.returncode:
            reason = (proc.stderr or proc.stdout or '').strip()
            raise exception.SourceUnavailable(
                kind='Executor', source='ansible', service='ansible-runner',
                reason='start failed (exit %d): %s' % (
                    proc.returncode, reason.splitlines()[-1][:300]
                    if reason else 'no output'))

    def extravars(self, params):
        """The run's extra vars: the device's host variables, the input."""
        from fleet.api import hostvars

        out = hostvars.ansible_host(self.fleet, params['device'],
                                    include_secrets=self.options.pass_secrets)
        out.update(params.get('input') or {})
        return out

    def status(self, params, result):
        run = self.run_dir(result['execution_id'])
        if not os.path.isdir(run):
            # Another host's run (or a removed one): not known to be over.
            raise exception.SourceUnavailable(
                kind='Executor', source='ansible', service=run,
                reason='no such run directory on this host; runs are '
                       'followed where they were started (or share '
                       '[executors.ansible] private_data_dir)')
        arts = os.path.join(run, 'artifacts', result['execution_id'])
        final = _read(os.path.join(arts, 'status'))
        if final is None:
            if _alive(run):
                return {'state': 'running', 'output': None, 'error': None}
            if os.path.exists(os.path.join(run, 'canceled')):
                final = 'canceled'
            elif time.time() - _started(run) < START_GRACE:
                return {'state': 'running', 'output': None, 'error': None}
            else:
                final = 'died'
        else:
            # The secrets handed over are not left on disk.
            _remove(os.path.join(run, 'env', 'extravars'))
        events = _events(os.path.join(arts, 'job_events'))
        rc = _read(os.path.join(arts, 'rc'))
        output = {'status': final,
                  'rc': int(rc) if rc and rc.lstrip('-').isdigit() else None}
        stats = [e for e in events if e.get('event') == 'playbook_on_stats']
        if stats:
            data = stats[-1].get('event_data') or {}
            output['stats'] = {k: data.get(k) or {} for k in (
                'ok', 'changed', 'failures', 'dark', 'skipped')}
            output['data'] = data.get('artifact_data') or {}
        state = STATES.get(final, 'failed')
        error = None
        if state == 'failed':
            error = self._error(final, events)
        return self._masked(params, {'state': state, 'output': output,
                                     'error': error, 'runner_status': final})

    def _error(self, final, events):
        if final == 'timeout':
            return ('the playbook run took longer than %s s '
                    '([executors.ansible] timeout) and was stopped'
                    % self.options.timeout)
        if final == 'died':
            return 'the playbook run stopped without a status (killed?)'
        if final == 'canceled':
            return 'the playbook run was stopped (reverted)'
        for event in events:
            if event.get('event') in ('runner_on_failed',
                                      'runner_on_unreachable'):
                data = event.get('event_data') or {}
                if data.get('ignore_errors'):
                    continue
                res = data.get('res') or {}
                msg = res.get('msg') or res.get('stderr') or ''
                msg = ' '.join(str(msg).split())
                what = 'unreachable' if event['event'].endswith(
                    'unreachable') else 'failed'
                return ('task %r %s on %s: %s' % (
                    data.get('task'), what, data.get('host'), msg))[:500]
        return 'the playbook run failed (ansible-playbook exit status)'

    def _masked(self, params, got):
        """``got`` with the device's secret values masked (pass_secrets)."""
        if not self.options.pass_secrets or self.fleet is None:
            return got
        from fleet.api import hostvars

        secrets = [str(v) for v in hostvars.secret_values(
            self.fleet, params['device']) if len(str(v)) >= 3]
        if not secrets:
            return got
        text = json.dumps(got)
        for secret in sorted(secrets, key=len, reverse=True):
            text = text.replace(json.dumps(secret)[1:-1], constants.MASK)
        return json.loads(text)

    def find(self, params):
        if not os.path.isdir(self.run_dir(params['key'])):
            return None
        return {'execution_id': params['key'], 'state': 'running'}

    def post_condition(self, params, result):
        got = self.status(params, result)
        if got['state'] != 'succeeded':
            raise exception.Conflict('playbook %s on %s: %s' % (
                params['workflow'], params['device'],
                got['error'] or got['runner_status']))

    def revert(self, params, result):
        """Stop the run if it still runs; a playbook is not undone."""
        if not result:
            return
        run = self.run_dir(result['execution_id'])
        if _alive(run):
            with open(os.path.join(run, 'canceled'), 'w') as f:
                f.write('%s\n' % time.time())
            subprocess.run([sys.executable, '-m', 'ansible_runner', 'stop',
                            run], capture_output=True, timeout=60)


def _write(run, name, data):
    path = os.path.join(run, name)
    os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, 'w') as f:
        json.dump(data, f, default=str)


def _read(path):
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return None


def _remove(path):
    try:
        os.remove(path)
    except FileNotFoundError:
        pass


def _started(run):
    try:
        with open(os.path.join(run, 'fleet.json')) as f:
            return float(json.load(f)['started_at'])
    except (OSError, ValueError, KeyError, TypeError):
        return 0.0


def _alive(run):
    """Whether the run's detached ansible-runner process still runs."""
    pid = _read(os.path.join(run, 'pid'))
    try:
        os.kill(int(pid), 0)
    except (TypeError, ValueError, ProcessLookupError):
        return False
    except PermissionError:
        return True
    return True


def _events(path):
    """The run's job events in order (ansible-runner's ``N-uuid.json``)."""
    try:
        names = os.listdir(path)
    except OSError:
        return []
    out = []
    for name in sorted((n for n in names if n.endswith('.json')),
                       key=lambda n: int(n.split('-', 1)[0])
                       if n.split('-', 1)[0].isdigit() else 0):
        try:
            with open(os.path.join(path, name)) as f:
                out.append(json.load(f))
        except (OSError, ValueError):
            continue
    return out
