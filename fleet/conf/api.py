"""[api] options: the fleet-api REST service (``fleet-api``)."""

from oslo_config import cfg

group = cfg.OptGroup('api', title='The fleet-api REST service')

AUTH_STRATEGIES = (
    ('keystone', 'a Keystone token, validated by keystonemiddleware '
                 'auth_token ([keystone_authtoken])'),
    ('token', 'a bearer token equal to the content of [api] token_file '
              '(what an Alertmanager webhook http_config sends)'),
    ('noauth', 'no authentication at all: a private test set-up only'),
)

opts = [
    cfg.HostAddressOpt('host',
                       default='127.0.0.1',
                       help='Address fleet-api listens on (fleet-api '
                            'under gunicorn; another WSGI server uses '
                            'its own setting).'),
    cfg.PortOpt('port',
                default=9180,
                help='TCP port fleet-api listens on.'),
    cfg.IntOpt('workers',
               default=2, min=1,
               help='Worker processes of the fleet-api gunicorn server.'),
    cfg.BoolOpt('react_to_alerts',
                default=True,
                help='Audit an alert that becomes actionable at once: the '
                     'rules watching it (threshold auditor, params.alert) '
                     'run and their findings go to the resolver, which '
                     'acts by each rule\'s mode (notify, approve, auto) '
                     'within the blast radius. In a background thread of '
                     'each worker: posts are answered without waiting. '
                     'False leaves alerts to the periodic sweep.'),
    cfg.IntOpt('worker_timeout',
               default=30, min=1,
               help='Seconds a fleet-api worker may take for one request '
                    'before gunicorn restarts it.'),
    cfg.StrOpt('auth_strategy',
               default='keystone', choices=AUTH_STRATEGIES,
               help='How callers authenticate. A missing or wrong '
                    'credential gets 401; version discovery (/, /v1) and '
                    '/healthcheck need none.'),
    cfg.StrOpt('token_file',
               help='File holding the bearer token of the "token" '
                    'strategy (its whole content, surrounding white space '
                    'ignored). Required with auth_strategy = token; keep '
                    'it readable by fleet-api only. Read when the service '
                    'starts: restart (or HUP) it after changing the '
                    'token.'),
    cfg.StrOpt('token_actor',
               default='api-token',
               help='Who the change log records for requests made with the '
                    'bearer token of the "token" strategy.'),
    cfg.IntOpt('max_request_body_size',
               default=1024 * 1024, min=1,
               help='Largest request body in bytes; a larger one gets 413 '
                    'and is not read (oslo.middleware sizelimit).'),
    cfg.IntOpt('max_limit',
               default=1000, min=1,
               help='Most items one list request returns; a "limit" '
                    'query parameter may ask for fewer.'),
]
