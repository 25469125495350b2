"""The auditor interface: turn inventory and readings into findings."""

import abc

from fleet.plugins import base


class Auditor(base.Plugin):
    """Base class of auditors (``fleet.auditors`` entry points).

    Enabled by ``[audit] enabled_auditors``; options in
    ``[auditors.<name>]``, handed to the constructor as ``options``. A
    policy rule names the auditor and gives it parameters, which are
    checked against :attr:`parameter_schema` before the audit runs.
    """

    #: JSON schema of the parameters a policy rule passes to
    #: :meth:`audit`.
    parameter_schema = {'type': 'object'}

    @abc.abstractmethod
    def audit(self, devices, params):
        """Check ``devices`` against the rule's ``params``.

        :param devices: the devices the rule selects, with their resolved
            variables and latest readings.
        :param params: the rule's parameters, valid against
            :attr:`parameter_schema`.
        :returns: a list of findings, one per device out of line.
        :raises fleet.common.exception.Invalid: ``params`` are not usable.
        """
