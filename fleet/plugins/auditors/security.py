"""The ``security`` auditor: default BMC passwords, IPMI cipher suite 0,
expired hands-off flags."""

from concurrent import futures
import datetime
import hmac
import os
import secrets as secrets_mod
import subprocess

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
            'check': {'enum': ['default_password', 'cipher_suite_zero',
                               'hands_off_expired']},
            'password_var': {'type': 'string', 'minLength': 1},
            'passwords': {'type': 'array',
                          'items': {'type': 'string', 'minLength': 1}},
            'hands_off_var': {'type': 'string', 'minLength': 1},
        },
    }

    @classmethod
    def get_config_opts(cls):
        return [
            cfg.ListOpt(
                'default_passwords', secret=True,
                default=['calvin', 'admin', 'ADMIN', 'password', 'root',
                         '0penBmc', 'changeme'],
                help='Vendor default BMC passwords "check: '
                     'default_password" looks for (never printed or '
                     'logged).'),
            cfg.StrOpt('ipmitool', default='ipmitool',
                       help='The ipmitool command "check: '
                            'cipher_suite_zero" runs.'),
            cfg.FloatOpt('probe_timeout', default=8.0, min=1.0,
                         help='Seconds one cipher-suite-0 probe of a BMC '
                              'may take.'),
            cfg.IntOpt('probe_workers', default=16, min=1,
                       help='BMCs probed at once.'),
        ]

    def secrets(self, params):
        if params['check'] == 'default_password':
            return [params.get('password_var', 'bmc_password')]
        return ()

    def variables(self, params):
        if params['check'] == 'hands_off_expired':
            return [params.get('hands_off_var', 'hands_off')]
        if params['check'] == 'cipher_suite_zero':
            return ['bmc']
        return ()

    def _option(self, name, default):
        return getattr(self.options, name, default) \
            if self.options is not None else default

    def _defaults(self, params):
        configured = list(self.options.default_passwords) \
            if self.options is not None else []
        return [p.encode('utf-8') for p in configured +
                list(params.get('passwords', ()))]

    def audit(self, devices, params, snapshot):
        if params['check'] == 'cipher_suite_zero':
            return self._cipher_zero(devices, snapshot)
        if params['check'] == 'hands_off_expired':
            return self._hands_off_all(devices, params, snapshot)
        self._known = self._defaults(params)
        return self.audit_each(devices, params, snapshot)

    def _hands_off_all(self, devices, params, snapshot):
        key = params.get('hands_off_var', 'hands_off')
        flags = snapshot.values_of(key)
        out = []
        if not flags:
            return out
        for dev in devices:
            flag = flags.get(dev.id)
            if flag is None:
                continue
            try:
                found = self._hands_off(dev, key, flag, snapshot.now)
            except Exception as exc:  # noqa: BLE001 - one device's fault
                out.append(base.error(dev, exc))
                continue
            if found is not None:
                out.append(found)
        return out

    def _cipher_zero(self, devices, snapshot):
        targets = []
        bmcs = snapshot.values_of('bmc')
        for dev in devices:
            bmc = bmcs.get(dev.id)
            if isinstance(bmc, dict) and bmc.get('address'):
                targets.append((dev, bmc))
        if not targets:
            return []
        workers = min(self._option('probe_workers', 16), len(targets))
        with futures.ThreadPoolExecutor(workers) as pool:
            results = list(pool.map(self._probe, [b for _d, b in targets]))
        out = []
        for (dev, bmc), result in zip(targets, results):
            if isinstance(result, Exception):
                out.append(base.error(dev, result))
            elif result:
                where = '%s:%s' % (bmc['address'], bmc.get('port', 623))
                out.append(base.failure(
                    dev, 'BMC %s accepts IPMI cipher suite 0 (no '
                    'authentication)' % where,
                    observed={'cipher_suite_0': 'accepted'},
                    expected={'cipher_suite_0': 'refused'}))
        return out

    def _probe(self, bmc):
        """True: the BMC ran a command over cipher suite 0 for a random
        password; False: it refused; an exception: no answer."""
        timeout = self._option('probe_timeout', 8.0)
        argv = [self._option('ipmitool', 'ipmitool'), '-I', 'lanplus',
                '-C', '0', '-H', str(bmc['address']), '-p',
                str(bmc.get('port', 623)), '-U',
                str(bmc.get('username') or 'admin'), '-E', '-N', '1',
                '-R', '1', 'chassis', 'power', 'status']
        # A random password (IPMI allows 20 bytes): suite 0 ignores it;
        # never the real one.
        env = dict(os.environ, IPMI_PASSWORD=secrets_mod.token_hex(8))
        try:
            proc = subprocess.run(argv, capture_output=True, text=True,
                                  env=env, timeout=timeout)
        except subprocess.TimeoutExpired:
            return TimeoutError('no answer from the BMC within %g s'
                                % timeout)
        except OSError as exc:
            return exc
        if proc.returncode == 0:
            return True
        err = proc.stderr
        # A BMC that refuses suite 0 answers the open-session request
        # with an error; one that never answers leaves only the give-up.
        if 'Unable to establish' in err and 'response message' not in err \
                and 'RAKP' not in err:
            return TimeoutError('no answer from the BMC')
        return False

    def check(self, device, params, snapshot):
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
    def _hands_off(device, key, flag, now):
        if not isinstance(flag, dict) or not flag.get('until'):
            return None
        until = datetime.datetime.fromisoformat(
            str(flag['until']).replace('Z', '+00:00'))
        if until.tzinfo is not None:
            until = until.astimezone(datetime.timezone.utc).replace(
                tzinfo=None)
        if until > now:
            return None
        return base.failure(
            device, 'hands-off flag expired at %s%s' % (
                until.isoformat(timespec='seconds'),
                ' (set by %s)' % flag['by'] if flag.get('by') else ''),
            observed={key: {'until': until.isoformat()}},
            expected={key: 'cleared or in the future'})
