"""Errors a service raises; the API turns them into `{"error": {"code", "message"}}` answers."""
from __future__ import annotations


class ServiceError(Exception):
    status = 400
    code = 'bad_request'

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code

    def __reduce__(self) -> tuple[object, ...]:
        """Pickled whole (raised in a worker process, services/mail/mail_reader.py): with its code and the rest."""
        return _restore, (type(self), self.message, dict(self.__dict__))


def _restore(kind: type[ServiceError], message: str, state: dict[str, object]) -> ServiceError:
    error = kind.__new__(kind)
    Exception.__init__(error, message)
    error.__dict__.update(state)
    return error


class NotFound(ServiceError):
    status = 404
    code = 'not_found'


class Invalid(ServiceError):
    status = 422
    code = 'invalid'


class TooLarge(ServiceError):
    status = 413
    code = 'too_large'


class Conflict(ServiceError):
    status = 409
    code = 'conflict'


class Unauthorized(ServiceError):
    status = 401
    code = 'unauthorized'


class PermissionDenied(ServiceError):
    status = 403
    code = 'permission_denied'


class RateLimited(ServiceError):
    status = 429
    code = 'rate_limited'

    def __init__(self, message: str, *, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = max(1, int(retry_after + 0.999))
