"""What every fleet action shares: the fleet it talks to and who it is.

An action opens fleet with the configuration file its input names
(``fleet_config``: the caller's file when the executor shares it, see
``[executors.mistral] share_config_file``) or else fleet's default files on
the executor's host (``/etc/fleet/fleet.conf``, ``FLEET_CONFIG_FILE``).
Its changes are recorded with actor ``mistral:<workflow execution id>``
and the reason from its input. A fleet error fails the action with the
error's one-line message (no traceback, never a secret).
"""

import json
import logging

from mistral_lib import actions

from fleet.common import exception

LOG = logging.getLogger(__name__)

_FLEETS = {}


def open_fleet(config_file=None):
    """A :class:`fleet.api.Fleet` for ``config_file`` (cached per file)."""
    from fleet import api
    from fleet import conf as fleet_conf

    key = config_file or ''
    fleet = _FLEETS.get(key)
    if fleet is None:
        if config_file:
            files = [config_file]
        else:
            from fleet.cli import common
            import os
            extra = [os.environ[common.CONFIG_FILE_ENV]] \
                if os.environ.get(common.CONFIG_FILE_ENV) else []
            files = common.config_files(extra)
        conf = fleet_conf.load(files)
        fleet = _FLEETS[key] = api.connect(conf=conf)
    return fleet


def actor_of(context):
    """``mistral:<workflow execution id>`` of a mistral-lib context."""
    execution = getattr(context, 'execution', None)
    wf_id = getattr(execution, 'workflow_execution_id', None)
    return 'mistral:%s' % (wf_id or 'unknown')


class FleetAction(actions.Action):
    """Base of fleet's actions; subclasses implement :meth:`act`."""

    def __init__(self, fleet_config=None, reason=None):
        super().__init__()
        self.fleet_config = fleet_config
        self.reason = reason

    def context(self, fleet, context):
        return fleet.context(actor=actor_of(context), reason=self.reason)

    def run(self, context):
        try:
            fleet = open_fleet(self.fleet_config)
            result = self.act(fleet, self.context(fleet, context))
            # Times and the like as text: Mistral stores JSON.
            return json.loads(json.dumps(result, default=str))
        except exception.FleetError as exc:
            LOG.info('%s failed: %s', type(self).__name__, exc)
            return actions.Result(error=str(exc))

    def act(self, fleet, ctx):
        """Do the action's work; return its JSON-able result."""
        raise NotImplementedError

    def test(self, context):
        return None
