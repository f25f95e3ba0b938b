"""Domain exceptions raised by services; views and the API turn them into responses."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError


class DomainError(ValidationError):
    """Bad input or an illegal state change: a clear, translated message; nothing changed."""


class StateError(DomainError):
    """The object is not in a state that allows this action."""


class NotPermitted(PermissionDenied):
    """The acting user may not do this."""


class NotFoundInScopeError(Exception):
    """The object does not exist or lies outside the user's scope (answered as 404)."""


class TemporarilyUnavailableError(Exception):
    """A store the request needs is out of service (disk full, unreachable): answered as 503.

    Nothing was saved; the same request may be sent again later.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
