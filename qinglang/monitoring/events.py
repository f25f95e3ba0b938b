"""Ledger actions of monitoring (see qinglang.core.ledger_actions)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from qinglang.core.ledger_actions import define

SOURCE_ADDED = define("monitoring.source.added", _("Watched source added"))
SOURCE_PAUSED = define("monitoring.source.paused", _("Watched source paused after failures"))
SOURCE_RESUMED = define("monitoring.source.resumed", _("Watched source resumed"))
HIT_RECORDED = define("monitoring.hit.recorded", _("Monitoring hit recorded"))
HIT_LEAD = define("monitoring.hit.lead", _("Monitoring hit became a lead"))
HIT_CONFIRMED = define("monitoring.hit.confirmed", _("Monitoring hit confirmed"))
HIT_DISMISSED = define("monitoring.hit.dismissed", _("Monitoring hit dismissed as false positive"))
