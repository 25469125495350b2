"""The executor interface: carry out one remediation step.

Shaped after watcher's applier actions: a step declares the input it
takes, checks before and after acting, and can be undone.
"""

import abc

from fleet.plugins import base


class Executor(base.Plugin):
    """Base class of executors (``fleet.executors`` entry points).

    Enabled by ``[remediation] enabled_executors``; options in
    ``[executors.<name>]``, handed to the constructor as ``options``.
    """

    #: JSON schema of the ``params`` every method below receives.
    schema = {'type': 'object'}

    @abc.abstractmethod
    def pre_condition(self, params):
        """Check that the step can run now, before anything changes.

        :param params: the step's input, valid against :attr:`schema`.
        :raises fleet.common.exception.Conflict: the step must not run.
        """

    @abc.abstractmethod
    def execute(self, params):
        """Carry out the step.

        :param params: the step's input, valid against :attr:`schema`.
        :returns: a dict describing what was started (e.g. an execution
            id), kept with the remediation.
        :raises fleet.common.exception.SourceUnavailable: the system that
            carries out the step cannot be reached.
        """

    @abc.abstractmethod
    def post_condition(self, params, result):
        """Check that the step had its effect.

        :param params: the step's input.
        :param result: what :meth:`execute` returned.
        :raises fleet.common.exception.Conflict: the effect is not there.
        """

    @abc.abstractmethod
    def revert(self, params, result):
        """Undo the step as far as it can be undone.

        :param params: the step's input.
        :param result: what :meth:`execute` returned, or None if it failed
            before returning.
        :raises fleet.common.exception.SourceUnavailable: the system that
            carries out the step cannot be reached.
        """
