"""App config that installs the OTP-protected admin site as `django.contrib.admin.site`."""

from django.contrib.admin.apps import AdminConfig


class QinglangAdminConfig(AdminConfig):
    default_site = "qinglang.core.admin_site.QinglangAdminSite"
