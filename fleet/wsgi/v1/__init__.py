"""Resources of the v1 API, one module per resource; each has a ``ROUTES``
list that :data:`fleet.wsgi.app.RESOURCES` gathers."""
