"""Ledger actions of core (see qinglang.core.ledger_actions)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from qinglang.core.ledger_actions import define

USER_CREATED = define("user.created", _("User created"))
USER_OTP_ENROLLED = define("user.otp_enrolled", _("Second factor enrolled"))
USER_BACKUP_CODES_ISSUED = define("user.backup_codes_issued", _("Backup codes issued"))
ORGANIZATION_CREATED = define("organization.created", _("Organization created"))
API_TOKEN_CREATED = define("api_token.created", _("API token issued"))
