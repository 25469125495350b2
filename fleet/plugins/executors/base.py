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

    #: The fleet service layer (:class:`fleet.api.store.Fleet`), set by
    #: the remediation service before it calls the executor; None when
    #: the executor is used on its own.
    fleet = None

    #: What a plan says of a workflow :meth:`describe` does not know
    #: (``%r``: its name), and how to fix it.
    unknown_workflow = 'no known workbook has workflow %r'
    unknown_workflow_fix = ("see: fleet workbook list (or add your "
                            "workbook's directory to [remediation] "
                            "workbook_dirs)")

    def describe(self, workflow, workbook_dirs=()):
        """What ``workflow`` takes and does, for plans and outcomes.

        The default looks the workflow up in fleet's known workbooks (the
        shipped ones, those of ``fleet.workbooks`` entry points and of
        ``workbook_dirs``).

        :param workbook_dirs: ``[remediation] workbook_dirs``.
        :returns: ``{'name', 'description', 'input': [names],
            'required': [names], 'tags': [tags]}``, or None when the
            executor does not know the workflow.
        """
        from fleet import workbooks

        return workbooks.workflow(workflow, workbook_dirs)

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

    def status(self, params, result):
        """The state of what :meth:`execute` started.

        :returns: ``{'state': 'running' | 'succeeded' | 'failed',
            'output': JSON-able or None, 'error': text or None}``. The
            default is for executors whose :meth:`execute` finishes the
            work before it returns.
        """
        return {'state': 'succeeded', 'output': result, 'error': None}

    def find(self, params):
        """What an earlier :meth:`execute` with ``params['key']`` started.

        Used after a restart, to reconcile instead of starting twice.

        :returns: a result like :meth:`execute`'s, or None if nothing was
            started with that key.
        """
        return None

    @abc.abstractmethod
    def revert(self, params, result):
        """Undo the step as far as it can be undone.

        :param params: the step's input.
        :param result: what :meth:`execute` returned, or None if it failed
            before returning.
        :raises fleet.common.exception.SourceUnavailable: the system that
            carries out the step cannot be reached.
        """
