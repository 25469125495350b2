"""The inventory source interface and the snapshot it returns.

An inventory source reads one system of record (an asset file, Ironic, Nova,
...) and returns a :class:`Snapshot` of what it saw. It never writes fleet
state itself: ``fleet.api.sync`` compares the snapshot with the inventory and
applies the difference in one transaction, recording every change.
"""

import abc
import dataclasses

from fleet.plugins import base


@dataclasses.dataclass
class DeviceRecord:
    """One device as a source sees it.

    ``None`` means "this source does not say"; sync leaves such fields
    alone (unless ``retract`` names the value they hold). ``facts`` are
    observed values (stored as observed variables), ``vars`` desired
    values, ``secrets`` secret variables (never printed).
    """

    name: str
    type: str = 'host'
    external_id: str | None = None
    uuid: str | None = None
    role: str | None = None
    serial: str | None = None
    asset_tag: str | None = None
    mgmt_address: str | None = None
    cloud: str | None = None
    region: str | None = None
    cell: str | None = None
    rack: str | None = None
    parent: str | None = None
    labels: list | None = None
    vars: dict = dataclasses.field(default_factory=dict)
    facts: dict = dataclasses.field(default_factory=dict)
    secrets: dict = dataclasses.field(default_factory=dict)
    where: str | None = None  # e.g. "assets.yaml: devices[3]" for errors
    #: {attribute: value} this source once reported wrongly: sync clears
    #: the attribute where it still holds exactly that value (the ironic
    #: source retracts the BMC address it used to give as mgmt_address).
    retract: dict = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class Snapshot:
    """Everything one source saw in one read.

    :ivar clouds: [{'name', 'description'}] declared by the source.
    :ivar regions: [{'name', 'cloud', 'description'}].
    :ivar cells: [{'name', 'region', 'cloud', 'description'}].
    :ivar racks: [{'name', 'region', 'cell', 'cloud', 'description'}].
    :ivar variables: [{'scope', 'name', 'region', 'cloud', 'vars',
        'secrets'}] for hierarchy levels.
    :ivar defaults: global default variables.
    :ivar devices: the :class:`DeviceRecord` list.
    :ivar complete: True when ``devices`` is everything the source has, so
        devices it owns but did not list are flagged missing.
    :ivar owner: who owns the devices this snapshot creates (default: the
        source name). The static source uses ``static:<file path>`` (or
        the file's declared ``owner``) so two asset files do not flag each
        other's devices missing.
    :ivar legacy_owners: owners this source used before; the listed devices
        that carry one move to ``owner`` (:mod:`fleet.api.owners`).
    :ivar strict_hierarchy: True when every region/cell/rack a device names
        must be declared in the snapshot or exist already (asset files);
        False lets sync create the target cloud and region (API sources).
    """

    devices: list = dataclasses.field(default_factory=list)
    clouds: list = dataclasses.field(default_factory=list)
    regions: list = dataclasses.field(default_factory=list)
    cells: list = dataclasses.field(default_factory=list)
    racks: list = dataclasses.field(default_factory=list)
    variables: list = dataclasses.field(default_factory=list)
    defaults: dict = dataclasses.field(default_factory=dict)
    complete: bool = True
    strict_hierarchy: bool = False
    owner: str | None = None
    legacy_owners: list = dataclasses.field(default_factory=list)


class InventorySource(base.Plugin):
    """Base class of inventory sources (``fleet.inventory_sources``).

    Enabled by ``[inventory] enabled_sources``. A source is constructed
    with ``options``, its own option group ``[inventory_sources.<name>]``
    (None when it declares no option), and the per-run ``params`` the
    caller passes: ``path`` for asset files; ``connection_factory`` (a
    callable returning an openstacksdk Connection; the CLI passes one built
    from clouds.yaml / ``--os-cloud``) or ``connection`` for API sources;
    ``cloud``/``region`` for placement of new devices, and
    ``default_region`` (``[inventory] default_region``) when neither the
    caller nor the cloud names a region.
    """

    def __init__(self, options, params):
        super().__init__(options)
        self.params = params

    @abc.abstractmethod
    def collect(self):
        """Read the source and return a :class:`Snapshot`.

        :raises fleet.common.exception.SourceUnavailable: the system behind
            the source cannot be reached or answered with an error.
        :raises fleet.common.exception.InvalidAssetFile: the input is
            malformed (asset files).
        """
