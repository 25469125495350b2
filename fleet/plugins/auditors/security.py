"""The ``security`` auditor: default BMC passwords, expired hands-off."""

import datetime
import hmac

from oslo_config import cfg

from fleet.plugins.auditors import base


class SecurityAuditor(base.Auditor):
    """Security checks of devices.

    ``check: default_password`` -- the device's BMC password (the secret
    variable ``password_var``, default ``bmc_password``) is on the vendor
    default list (``[auditors.security] default_passwords``, plus the
    rule's ``passwords``). Values are compared in constant time and never
    printed: the finding says only that it is a default. ``check:
    hands_off_expired`` -- the variable ``hands_off`` (``{"until": ISO
    time, "by": ..., "reason": ...}``) has a time in the past: the device
    is still out of automatic management although its hands-off flag
    expired. Params::

        check: default_password   # default_password | hands_off_expired
        password_var: bmc_password
        passwords: [calvin]       # added to the configured list
        hands_off_var: hands_off
    """

    parameter_schema = {
        'type': 'object', 'additionalProperties': False,
        'required': ['check'],
        'properties': {
            'check': {'enum': ['default_password', 'hands_off_expired']},
            'password_var': {'type': 'string', 'minLength': 1},
            'passwords': {'type': 'array',
                          'items': {'type': 'string', 'minLength': 1}},
            'hands_off_var': {'type': 'string', 'minLength': 1},
        },
    }

    @classmethod
    def get_config_opts(cls):
        return [cfg.ListOpt(
            'default_passwords', secret=True,
            default=['calvin', 'admin', 'ADMIN', 'password', 'root',
                     '0penBmc', 'changeme'],
            help='Vendor default BMC passwords "check: default_password" '
                 'looks for (never printed or logged).')]

    def secrets(self, params):
        if params['check'] == 'default_password':
            return [params.get('password_var', 'bmc_password')]
        return ()

    def variables(self, params):
        if params['check'] == 'hands_off_expired':
            return [params.get('hands_off_var', 'hands_off')]
        return ()

    def _defaults(self, params):
        configured = list(self.options.default_passwords) \
            if self.options is not None else []
        return [p.encode('utf-8') for p in configured +
                list(params.get('passwords', ()))]

    def audit(self, devices, params, snapshot):
        if params['check'] == 'default_password':
            self._known = self._defaults(params)
        return self.audit_each(devices, params, snapshot)

    def check(self, device, params, snapshot):
        if params['check'] == 'hands_off_expired':
            return self._hands_off(device, params, snapshot)
        key = params.get('password_var', 'bmc_password')
        value = snapshot.secret(device.id, key)
        if not isinstance(value, str):
            return None
        given = value.encode('utf-8')
        hit = False
        for known in self._known:
            hit |= hmac.compare_digest(given, known)
        if not hit:
            return None
        return base.failure(device, 'BMC password (%s) is a vendor '
                            'default' % key, observed={key: 'default'},
                            expected={key: 'not a vendor default'})

    @staticmethod
    def _hands_off(device, params, snapshot):
        key = params.get('hands_off_var', 'hands_off')
        flag = snapshot.variables(device.id).get(key)
        if not isinstance(flag, dict) or not flag.get('until'):
            return None
        until = datetime.datetime.fromisoformat(
            str(flag['until']).replace('Z', '+00:00'))
        if until.tzinfo is not None:
            until = until.astimezone(datetime.timezone.utc).replace(
                tzinfo=None)
        if until > snapshot.now:
            return None
        return base.failure(
            device, 'hands-off flag expired at %s%s' % (
                until.isoformat(timespec='seconds'),
                ' (set by %s)' % flag['by'] if flag.get('by') else ''),
            observed={key: {'until': until.isoformat()}},
            expected={key: 'cleared or in the future'})
