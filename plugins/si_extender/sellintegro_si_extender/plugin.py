"""The whole plugin: one hook implementation. Installing the distribution is enough to activate it."""

from sellintegro_core.api import Limits, hookimpl

from . import BEFORE_SETUP_DAYS, DAYS_BACK


@hookimpl
def sellintegro_limits(limits: Limits) -> None:
    """Allow ``window.days_back`` up to 150 and ``window.before_setup_days`` up to 90."""
    limits.raise_to(plugin="si_extender", days_back=DAYS_BACK, before_setup_days=BEFORE_SETUP_DAYS)
