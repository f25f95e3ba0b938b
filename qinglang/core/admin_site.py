"""The admin site requires a second factor (django-otp's OTPAdminSite), under the usual name."""

from __future__ import annotations

from django_otp.admin import OTPAdminSite


class QinglangAdminSite(OTPAdminSite):
    """OTP-protected admin that keeps the `admin` URL namespace."""

    site_header = "清朗 Qinglang"
    site_title = "清朗 Qinglang"

    def __init__(self, name: str = "admin") -> None:
        super().__init__(name)
