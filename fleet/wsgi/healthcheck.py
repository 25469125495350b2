"""``fleet_database``: an oslo.middleware healthcheck backend.

Enable it for ``/healthcheck`` to answer 503 while fleet's database cannot
be used (a load balancer then takes the node out)::

    [healthcheck]
    backends = fleet_database

Each check runs ``SELECT 1`` on ``[database] connection`` (or the embedded
SQLite file), bounded by ``[database] connect_timeout``. The reason names
the URL with its password hidden, never the driver's message.
"""

from oslo_middleware.healthcheck import pluginbase


class DatabaseHealthcheck(pluginbase.HealthcheckBaseExtension):
    """Healthy while a ``SELECT 1`` on fleet's database succeeds."""

    def healthcheck(self, server_port):
        import sqlalchemy as sa

        from fleet.db import engine as db_engine
        from fleet.db import errors as db_errors

        conf = self.oslo_conf
        url = conf.database.connection or db_engine.default_url(
            conf.state_dir)
        engine = db_engine.get_engine(url, conf.database)
        try:
            with engine.connect() as conn:
                conn.execute(sa.text('SELECT 1'))
        except Exception as exc:  # noqa: BLE001 - any failure is unhealthy
            return pluginbase.HealthcheckResult(
                available=False,
                reason='fleet database %s unreachable (%s)' % (
                    db_errors.safe_url(engine.url), type(exc).__name__))
        return pluginbase.HealthcheckResult(available=True,
                                            reason='fleet database OK')
