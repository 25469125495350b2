"""The ``mistral`` executor: remediations as Mistral workflow executions.

``params`` (see :attr:`MistralExecutor.schema`): ``workflow`` (a workbook
workflow, ``fleet_host.drain``), ``input`` (its input), ``key`` (the
remediation's idempotency key, a UUID) and ``description``.

The execution is created with ``id = key``: Mistral returns the existing
execution for an id it knows, so a fleet that crashed after asking and
asks again (or a second resolver racing the first) gets the one
execution, never a second.

In a real cloud (``cloud`` set: an entry of clouds.yaml, read by
openstacksdk) fleet logs in to Keystone with it, finds Mistral in the
catalog (service type ``workflowv2``, unless ``url`` is set) and sends its
token: the execution runs in that user's security context, which is what
mistral-extra's ``nova.*``/``ironic.*`` actions authenticate with.

Without Keystone (the lab, a noauth Mistral) the execution carries the
headers those actions build their clients from instead:
``X-Target-Auth-Token``, ``X-Target-Auth-Uri`` and
``X-Target-Service-Catalog`` (the token-style catalog of
``target_catalog_file``). Every call has ``timeout``.
"""

import json
import os

from oslo_config import cfg

from fleet.common import exception
from fleet.common import keystone_session
from fleet.plugins.executors import base

#: Where a Mistral without Keystone listens by default.
DEFAULT_URL = 'http://127.0.0.1:8989/v2'
#: Mistral's service type in a Keystone catalog.
SERVICE_TYPE = 'workflowv2'

#: Mistral execution states -> remediation states.
STATES = {'SUCCESS': 'succeeded', 'ERROR': 'failed', 'CANCELLED': 'failed',
          'RUNNING': 'running', 'IDLE': 'running', 'PAUSED': 'running'}


class MistralExecutor(base.Executor):
    """Run a workbook workflow in Mistral and follow its execution."""

    schema = {
        'type': 'object',
        'required': ['workflow', 'key'],
        'properties': {
            'workflow': {'type': 'string'},
            'input': {'type': 'object'},
            'key': {'type': 'string'},
            'description': {'type': 'string'},
        },
    }

    @classmethod
    def get_config_opts(cls):
        return [
            cfg.URIOpt('url',
                       help='Mistral API endpoint (with /v2). Default: '
                            'from the Keystone catalog of cloud when that '
                            'is set, otherwise %s.' % DEFAULT_URL),
            cfg.StrOpt('cloud',
                       help='clouds.yaml entry (openstacksdk; OS_CLOUD '
                            'names one too) to log in to Keystone with: '
                            'Mistral is then found in its catalog '
                            '(service type workflowv2) and executions run '
                            'with that user\'s token, as in a real cloud. '
                            'Unset: no Keystone (a noauth Mistral, the '
                            'lab).'),
            cfg.FloatOpt('timeout', default=60.0, min=1.0,
                         help='Seconds every call to Mistral may take.'),
            cfg.StrOpt('target_catalog_file',
                       help='Token-style service catalog (JSON, '
                            '{"catalog": [...]}) given to executions as '
                            'X-Target-Service-Catalog, for clouds without '
                            'Keystone (the lab writes one); mistral-extra\'s '
                            'actions take Nova and Ironic endpoints from '
                            'it.'),
            cfg.StrOpt('target_auth_token', default='fleet', secret=True,
                       help='X-Target-Auth-Token sent with the catalog.'),
            cfg.StrOpt('target_auth_url', default='http://keystone.invalid',
                       help='X-Target-Auth-Uri sent with the catalog.'),
            cfg.StrOpt('share_config_file',
                       help='Path of the fleet configuration file to hand '
                            'fleet\'s actions in the execution input '
                            '(fleet_config), when the executors share this '
                            'host and it is not their default.'),
        ]

    def __init__(self, options=None, client=None):
        super().__init__(options)
        self._client = client
        self._session = None
        self._url = None

    # -- Mistral client ---------------------------------------------------
    @property
    def url(self):
        """The Mistral endpoint: ``url``, the catalog's, or the default."""
        if self._url is None:
            if self.options.url:
                self._url = self.options.url
            elif self.options.cloud:
                self._url = keystone_session.endpoint(
                    self.session(), self.options.cloud, SERVICE_TYPE,
                    'executors.mistral', self.options.timeout,
                    source=self.name)
            else:
                self._url = DEFAULT_URL
        return self._url

    def session(self):
        """The keystoneauth session of ``cloud`` (None without one)."""
        if self._session is None and self.options.cloud:
            self._session = keystone_session.for_cloud(
                self.options.cloud, 'executors.mistral',
                self.options.timeout, source=self.name)
        return self._session

    def client(self):
        if self._client is None:
            from mistralclient.api import client as mistral_client

            opts = self.options
            kwargs = {'mistral_url': self.url}
            session = self.session()
            if session is not None:
                kwargs['session'] = session
            if opts.target_catalog_file:
                with open(opts.target_catalog_file) as f:
                    kwargs['target_service_catalog'] = f.read()
                kwargs['target_auth_token'] = opts.target_auth_token
            client = mistral_client.client(**kwargs)
            http = client.executions.http_client
            if opts.target_catalog_file:
                # Set after construction: given to the constructor, an auth
                # URL makes mistralclient log in to Keystone.
                http.target_auth_uri = opts.target_auth_url
            if session is None:
                _bound(http, opts.timeout)
            self._client = client
        return self._client

    def _call(self, what, func, *args, **kwargs):
        from mistralclient.api import base as api_base

        try:
            return func(*args, **kwargs)
        except api_base.APIException as exc:
            if getattr(exc, 'error_code', None) == 404:
                raise exception.NotFound('Mistral %s' % what, args[0]
                                         if args else '') from None
            raise exception.SourceUnavailable(
                kind='Executor', source='mistral', service=self.url,
                reason='%s: %s' % (what, exc.error_message)) from None
        except OSError as exc:  # requests' errors are OSErrors
            raise exception.SourceUnavailable(
                kind='Executor', source='mistral', service=self.url,
                reason='%s: %s' % (what, exc)) from None
        except Exception as exc:
            # keystoneauth's errors (a Keystone session: token refused or
            # expired, Keystone or Mistral unreachable) are not OSErrors.
            if type(exc).__module__.split('.')[0] != 'keystoneauth1':
                raise
            raise exception.SourceUnavailable(
                kind='Executor', source='mistral', service=self.url,
                reason='%s: %s' % (what, ' '.join(str(exc).split()))) \
                from None

    # -- the interface ----------------------------------------------------
    def pre_condition(self, params):
        try:
            self._call('workflow', self.client().workflows.get,
                       params['workflow'])
        except exception.NotFound:
            raise exception.Conflict(
                'workflow %s is not in Mistral at %s; push the workbooks '
                'with: fleet workbook sync' % (params['workflow'],
                                               self.url),
                field='workflow', value=params['workflow']) from None

    def execute(self, params):
        data = {'id': params['key'], 'workflow_name': params['workflow'],
                'input': json.dumps(self.input_of(params)),
                'description': params.get('description') or ''}
        mgr = self.client().executions
        # mistralclient's create() has no id; its manager's POST does.
        ex = self._call('execution create', mgr._create, '/executions', data)
        return {'execution_id': ex.id, 'state': ex.state}

    def input_of(self, params):
        wf_input = dict(params.get('input') or {})
        if self.options.share_config_file and 'fleet_config' not in wf_input:
            wf_input['fleet_config'] = os.path.abspath(
                self.options.share_config_file)
        return wf_input

    def status(self, params, result):
        ex = self._call('execution', self.client().executions.get,
                        result['execution_id'])
        state = STATES.get(ex.state, 'running')
        output = None
        if ex.output:
            try:
                output = json.loads(ex.output)
            except ValueError:
                output = ex.output
        error = ex.state_info if state == 'failed' else None
        got = {'state': state, 'output': output, 'error': error,
               'mistral_state': ex.state}
        if state != 'running':
            got['steps'] = self.steps(ex.id)
        return got

    def steps(self, execution_id):
        """The execution's tasks in the order they started, as
        ``[{'name', 'state'}]`` (sub-workflows are one task each); None
        when Mistral cannot list them (the outcome stands without)."""
        try:
            tasks = self._call('tasks', self.client().tasks.list,
                               workflow_execution_id=execution_id)
        except exception.FleetError:
            return None
        # Mistral's times are to the second: a task that ended first began
        # first in a sequence.
        tasks = sorted(tasks, key=lambda t: (t.created_at or '',
                                             t.updated_at or '', t.id))
        return [{'name': t.name, 'state': t.state} for t in tasks]

    def find(self, params):
        try:
            ex = self._call('execution', self.client().executions.get,
                            params['key'])
        except exception.NotFound:
            return None
        return {'execution_id': ex.id, 'state': ex.state}

    def post_condition(self, params, result):
        got = self.status(params, result)
        if got['state'] != 'succeeded':
            raise exception.Conflict(
                'execution %s of %s is %s: %s' % (
                    result['execution_id'], params['workflow'],
                    got['mistral_state'], got['error'] or ''))

    def revert(self, params, result):
        if not result:
            return
        got = self.status(params, result)
        if got['state'] == 'running':
            self._call('execution cancel', self.client().executions.update,
                       result['execution_id'], 'CANCELLED')

    # -- workbooks --------------------------------------------------------
    def sync_workbook(self, name, text):
        """Create or update workbook ``name``.

        :returns: ``created``, ``updated`` or ``unchanged`` (the definition
            in Mistral is already ``text``: nothing is sent).
        """
        mgr = self.client().workbooks
        try:
            current = self._call('workbook', mgr.get, name)
        except exception.NotFound:
            self._call('workbook create', mgr.create, text)
            return 'created'
        if current.definition == text:
            return 'unchanged'
        self._call('workbook update', mgr.update, text)
        return 'updated'

    def sync_cron_trigger(self, name, workflow, pattern, wf_input=None):
        """Create, replace or delete the cron trigger ``name``.

        Mistral has no update of a cron trigger: one whose workflow,
        pattern or input changed is deleted and created again.

        :param pattern: five cron fields; None or empty deletes the trigger.
        :param wf_input: the workflow's input (``fleet_config`` is added as
            for remediations, see ``share_config_file``).
        :returns: ``created``, ``updated``, ``unchanged``, ``deleted`` or
            ``absent`` (no pattern and no trigger).
        :raises fleet.common.exception.Invalid: not five cron fields.
        """
        mgr = self.client().cron_triggers
        try:
            current = self._call('cron trigger', mgr.get, name)
        except exception.NotFound:
            current = None
        if not pattern:
            if current is None:
                return 'absent'
            self._call('cron trigger delete', mgr.delete, name)
            return 'deleted'
        check_cron_pattern(pattern)
        wf_input = self.input_of({'input': wf_input or {}})
        if current is not None:
            have = current.workflow_input or {}
            if isinstance(have, str):
                have = json.loads(have or '{}')
            if (current.pattern, current.workflow_name, have) == (
                    pattern, workflow, wf_input):
                return 'unchanged'
            self._call('cron trigger delete', mgr.delete, name)
        self._call('cron trigger create', mgr.create, name, workflow,
                   workflow_input=wf_input, pattern=pattern)
        return 'updated' if current is not None else 'created'

    def workbook_names(self):
        return {wb.name for wb in self._call(
            'workbooks', self.client().workbooks.list)}


def check_cron_pattern(pattern):
    """Refuse a cron pattern that is not five fields (before any change).

    :raises fleet.common.exception.Invalid: naming ``sweep_pattern``.
    """
    if pattern and len(pattern.split()) != 5:
        raise exception.Invalid(
            'sweep_pattern', 'not a cron pattern: %r' % pattern,
            'set [remediation] sweep_pattern to five cron fields, e.g. '
            '"*/15 * * * *"', value=pattern)


def _bound(http, timeout):
    """Give every request of mistralclient's HTTP client ``timeout``."""
    session = http.session
    request = session.request

    def timed(method, url, **kwargs):
        kwargs.setdefault('timeout', timeout)
        return request(method, url, **kwargs)

    session.request = timed
