"""``application`` for operators' own WSGI servers (uWSGI, mod_wsgi).

::

    uwsgi --http-socket 127.0.0.1:9180 --module fleet.wsgi.api:application

The configuration files come from the environment: ``FLEET_CONFIG_FILE``
(one file) or ``OS_FLEET_CONFIG_FILES`` (several, separated by ``;``),
read after ``/etc/fleet/fleet.conf`` and ``~/.config/fleet/fleet.conf``
when they exist. The server's own command line is never parsed (oslo.config
would choke on it). ``fleet-api`` (gunicorn) does not import this module.
"""

from fleet.wsgi import config

application = config.application_from_environ()
