"""The auditor interface: turn inventory and readings into findings.

An audit (:mod:`fleet.api.audit.run`) runs each rule of the loaded policies
through the auditor it names. Before running anything it asks every
auditor what it will read -- :meth:`Auditor.metrics`,
:meth:`Auditor.variables`, :meth:`Auditor.secrets` -- and reads all of it
at once for the whole audit (a :class:`fleet.api.audit.snapshot.Snapshot`):
an auditor never queries the database itself.

An auditor reports only what fails, as :class:`Failure` objects; a finding
of an earlier audit that the auditor no longer reports is resolved. A
device whose check raises becomes an ``error`` finding for that device and
the audit goes on.
"""

import abc
import collections

from fleet.plugins import base

#: A failing subject. ``device`` is the :class:`Device` for a per-device
#: finding, None for a group (``subject`` then names it: ``region r1``);
#: ``observed``/``expected`` are JSON-able; ``message`` one line.
Failure = collections.namedtuple(
    'Failure', 'subject device message observed expected error')
Failure.__new__.__defaults__ = (None, None, False)

#: A device as auditors see it; ``labels`` is a frozenset, region/cell/rack
#: are names (None when not placed there).
Device = collections.namedtuple(
    'Device', 'id name type role region cell rack labels')


def failure(device, message, observed=None, expected=None):
    """A :class:`Failure` of one device."""
    return Failure(device.name, device, message, observed, expected)


def group_failure(subject, message, observed=None, expected=None):
    """A :class:`Failure` of a group (``subject``: ``region r1``)."""
    return Failure(subject, None, message, observed, expected)


class Auditor(base.Plugin):
    """Base class of auditors (``fleet.auditors`` entry points).

    Enabled by ``[audit] enabled_auditors``; options in
    ``[auditors.<name>]``, handed to the constructor as ``options``. A
    policy rule names the auditor and gives it ``params``, which
    ``policy validate`` checks against :attr:`parameter_schema` without
    running anything. The class docstring is the auditor's entry in the
    catalogue (``list-plugins``): say what it checks and show its params.
    """

    #: JSON Schema (draft 2020-12) of a rule's ``params``.
    parameter_schema = {'type': 'object'}

    def metrics(self, params):
        """Metric names or prefixes whose latest readings the rule reads.

        A name ending in ``*`` is a prefix (``temperature.*``).

        :param params: the rule's parameters, valid against the schema.
        :returns: an iterable of names; default none.
        """
        return ()

    def variables(self, params):
        """Variable keys whose resolved values the rule reads.

        :returns: an iterable of keys (``nova``, ``desired_kernel``);
            default none.
        """
        return ()

    def secrets(self, params):
        """Secret variable keys the rule compares (never prints).

        :returns: an iterable of keys (``bmc_password``); default none.
        """
        return ()

    @abc.abstractmethod
    def audit(self, devices, params, snapshot):
        """Check the rule's devices; return the failures.

        A per-device auditor returns ``self.audit_each(devices, params,
        snapshot)``, which calls :meth:`check` for each device and turns
        an exception into an error :class:`Failure` of that device; a
        check over groups (placement, capacity per cell) works on the
        whole list.

        :param devices: the :class:`Device` objects the rule selects.
        :param params: the rule's parameters, valid against
            :attr:`parameter_schema`.
        :param snapshot: what the audit read
            (:class:`fleet.api.audit.snapshot.Snapshot`).
        :returns: an iterable of :class:`Failure`.
        :raises Exception: anything; the audit records one ``error``
            finding for the rule (subject ``rule <name>``) and goes on
            with the other rules.
        """

    def audit_each(self, devices, params, snapshot):
        """:meth:`check` each device; an exception is an error Failure of
        that device and the others are still checked."""
        out = []
        for device in devices:
            try:
                found = self.check(device, params, snapshot)
            except Exception as exc:  # noqa: BLE001 - one device's fault
                out.append(error(device, exc))
                continue
            if found is not None:
                out.append(found)
        return out

    def check(self, device, params, snapshot):
        """Check one device (used by :meth:`audit_each`).

        :returns: a :class:`Failure`, or None when the device is in line.
        :raises Exception: any error; recorded as an ``error`` finding of
            the device.
        """
        raise NotImplementedError('%s implements neither audit() nor '
                                  'check()' % type(self).__name__)


def error(device, exc):
    """The error :class:`Failure` of a device whose check raised."""
    lines = str(exc).strip().splitlines()
    text = '%s: %s' % (type(exc).__name__, lines[0][:300]) if lines \
        else type(exc).__name__
    return Failure(device.name, device, 'auditor failed: %s' % text,
                   None, None, True)


def dig(value, path):
    """``value`` at a dotted ``path`` (``nova.status``); KeyError if absent."""
    for part in path.split('.'):
        if not isinstance(value, dict) or part not in value:
            raise KeyError(path)
        value = value[part]
    return value
