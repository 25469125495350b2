"""The request context every service-layer call takes first.

One :class:`fleet.api.Fleet` serves many callers (the CLI, the fleet-api
service, fleet's Mistral actions); each call says who is asking and why,
as Craton passes ``context`` first. The change log records the context's
actor, reason and request id; ``dry_run`` makes a write compute and report
its plan and roll back.
"""

import dataclasses
import uuid


def new_request_id():
    """A new request id: a UUID4 in text (36 characters, as stored)."""
    return str(uuid.uuid4())


@dataclasses.dataclass(frozen=True)
class RequestContext:
    """Who asks, why, and how.

    :ivar actor: who the change log records (a user or service name).
    :ivar reason: why, recorded with every change of the request.
    :ivar request_id: ties the change rows and log lines of one request.
    :ivar dry_run: compute and report, then roll back.
    :ivar roles: the caller's roles (REST callers; empty for local use).
    :ivar project: the caller's project id, or None.
    """

    actor: str = 'unknown'
    reason: str | None = None
    request_id: str = dataclasses.field(default_factory=new_request_id)
    dry_run: bool = False
    roles: tuple = ()
    project: str | None = None

    def replace(self, **changes):
        """A copy with ``changes`` (e.g. another reason or dry_run)."""
        return dataclasses.replace(self, **changes)
