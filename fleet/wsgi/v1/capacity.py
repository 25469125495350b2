"""``GET /v1/capacity``: the spare-capacity report (see ``fleet capacity
report`` and doc/source/user/capacity.rst).

Query parameters: ``kind`` (repeatable: instance, hypervisor, headroom,
floating_ip, port, volume; default all), ``idle_after`` and
``available_after`` (seconds or ``7d``-style durations; default the
``[capacity]`` options). The cloud is ``[capacity] cloud`` of fleet-api's
configuration (a clouds.yaml entry; default openstacksdk's environment,
``OS_CLOUD``).

The body is :meth:`fleet.api.capacity.Report.to_dict`: ``sections`` of
``kind``, ``available``, ``error`` and ``rows`` (each row with its owner
``project_id``), ``thresholds`` in seconds and ``generated_at``. A service
that is missing or down leaves its sections ``available: false`` with the
reason and the status stays 200 with the other sections (as the CLI prints
the rest and exits 1). A GET writes nothing: the ``capacity.*`` readings
are recorded by ``fleet capacity report``.
"""

from fleet.wsgi import router


def _connection_factory(conf):
    cloud = conf.capacity.cloud

    def connect():
        import openstack
        return openstack.connect(cloud=cloud)
    return connect


def show_capacity(req):
    """``{"generated_at", "thresholds", "sections": [...]}``."""
    kinds = req.GET.getall('kind')
    # An unknown kind or bad duration is a 400 before anything is read.
    report = req.fleet.capacity.report(
        req.context, kinds=kinds or None,
        params={'connection_factory': _connection_factory(req.conf)},
        idle_after=req.param('idle_after'),
        available_after=req.param('available_after'), record=False)
    body = report.to_dict()
    body.pop('recorded_readings', None)
    return body


ROUTES = [
    router.Route('GET', '/v1/capacity', show_capacity),
]
