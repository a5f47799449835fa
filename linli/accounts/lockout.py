"""Sign-in lockout that strangers cannot turn against a worker.

Failures are counted three ways within LOGIN_LOCKOUT_MINUTES:

- **account from one address**: LOGIN_FAILURE_LIMIT (5) failures for a username from one address lock
  that username *from that address only*. Someone who types a worker's name with wrong passwords
  locks themselves out, not the worker at their own desk (before, 5 requests by anyone locked any
  account everywhere);
- **address**: LOGIN_ADDRESS_LIMIT (20) failures from one address, whatever the usernames, lock the
  address (password spraying from one machine);
- **account from everywhere**: LOGIN_ACCOUNT_LIMIT (50) failures for a username from all addresses
  together lock it everywhere (a distributed guess at one password; it takes at least three
  addresses, since each is stopped at 20). An administrator lifts it by resetting the password.

Each refused attempt while locked is audited (``login_locked``, with which lock), like each failure
(``login_failed``, core/signals.py). The address is the client's as the trusted proxy reports it
(``linli.core.middleware.client_ip``).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from linli.accounts.models import LoginFailure
from linli.core import audit

ACCOUNT_FROM_ADDRESS, ADDRESS, ACCOUNT = "account_from_address", "address", "account"


def _window_start() -> datetime:
    return timezone.now() - timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)


def lock_on(username: str, ip: str) -> str | None:
    """Which lock refuses this attempt (one of the three names above), or None."""
    name = username.lower()
    recent = LoginFailure.objects.filter(at__gte=_window_start())
    if ip and recent.filter(username=name, ip=ip).count() >= settings.LOGIN_FAILURE_LIMIT:
        return ACCOUNT_FROM_ADDRESS
    if ip and recent.filter(ip=ip).count() >= settings.LOGIN_ADDRESS_LIMIT:
        return ADDRESS
    if recent.filter(username=name).count() >= settings.LOGIN_ACCOUNT_LIMIT:
        return ACCOUNT
    return None


def refuse_if_locked(username: str, ip: str) -> bool:
    """True (and one audit row) when the attempt is refused without looking at the password."""
    lock = lock_on(username, ip)
    if lock is None:
        return False
    audit.record(None, "login_locked", object_type="accounts.user", object_repr=username[:200], changes={"lock": lock})
    return True


def note_failure(username: str, ip: str) -> None:
    LoginFailure.objects.create(username=username.lower()[:150], ip=ip)
    LoginFailure.objects.filter(at__lt=timezone.now() - timedelta(days=1)).delete()


def clear_failures(username: str, *, ip: str | None = None) -> None:
    """Forget the failures for a username: all of them (an administrator's reset), or one address's
    (a correct sign-in from there — it says nothing about the other addresses' attempts)."""
    failures = LoginFailure.objects.filter(username=username.lower())
    if ip is not None:
        failures = failures.filter(ip=ip)
    failures.delete()
