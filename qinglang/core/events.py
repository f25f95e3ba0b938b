"""Ledger actions of core (see qinglang.core.ledger_actions)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from qinglang.core.ledger_actions import define

USER_CREATED = define("user.created", _("User created"))
USER_OTP_ENROLLED = define("user.otp_enrolled", _("Second factor enrolled"))
USER_BACKUP_CODES_ISSUED = define("user.backup_codes_issued", _("Backup codes issued"))
ORGANIZATION_CREATED = define("organization.created", _("Organization created"))
API_TOKEN_CREATED = define("api_token.created", _("API token issued"))
USER_ROLE_CHANGED = define("user.role_changed", _("User's role changed"))
USER_MOVED = define("user.moved", _("User moved to another organization"))
USER_DEACTIVATED = define("user.deactivated", _("User deactivated"))
USER_REACTIVATED = define("user.reactivated", _("User reactivated"))
USER_PASSWORD_SET = define("user.password_set", _("Password set by an administrator"))
USER_DETAILS_CHANGED = define("user.details_changed", _("User's details or admin rights changed"))
ORGANIZATION_REGION_CHANGED = define(
    "organization.region_changed", _("Organization's region changed")
)
ORGANIZATION_PARENT_CHANGED = define(
    "organization.parent_changed", _("Organization's superior changed")
)
ORGANIZATION_KIND_CHANGED = define(
    "organization.kind_changed", _("Organization's kind or level changed")
)
ORGANIZATION_DETAILS_CHANGED = define(
    "organization.details_changed", _("Organization's details changed")
)
ORGANIZATION_DEACTIVATED = define("organization.deactivated", _("Organization deactivated"))
ORGANIZATION_REACTIVATED = define("organization.reactivated", _("Organization reactivated"))
USER_OTP_RESET = define("user.otp_reset", _("Second factor reset"))
USER_PASSWORD_RESET = define("user.password_reset", _("Password reset by e-mail link"))
USER_INVITED = define("user.invited", _("Invitation to set a password sent"))
USER_SESSION_ENDED = define("user.session_ended", _("Session ended"))
USER_SIGNED_OUT_EVERYWHERE = define("user.signed_out_everywhere", _("Signed out everywhere"))
