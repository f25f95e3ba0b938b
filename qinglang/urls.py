from csp.decorators import csp_update
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularSwaggerSplitView

from qinglang.core import views as core_views
from qinglang.core.api_schema import CachedSchemaView
from qinglang.dashboard import ops

api_v1 = [
    path("", include("qinglang.core.api_urls")),
    path("", include("qinglang.intake.api_urls")),
    path("", include("qinglang.cases.api_urls")),
    path("", include("qinglang.evidence.api_urls")),
    path("", include("qinglang.registry.api_urls")),
    path("", include("qinglang.disclosure.api_urls")),
    path("", include("qinglang.compliance.api_urls")),
    path("", include("qinglang.supervision.api_urls")),
    path("", include("qinglang.monitoring.api_urls")),
    path("", include("qinglang.protection.api_urls")),
    path("", include("qinglang.dashboard.api_urls")),
]

urlpatterns = [
    path("healthz", ops.healthz, name="healthz"),
    path("readyz", ops.readyz, name="readyz"),
    path("metrics", ops.metrics_view, name="metrics"),
    # The language switch also remembers a signed-in user's choice (messages, e-mail use it).
    path("i18n/setlang/", core_views.set_language, name="set_language"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/schema/", CachedSchemaView.as_view(), name="api-schema"),
    # Swagger UI injects one <style> element: allow inline styles on this page alone.
    path(
        "api/docs/",
        csp_update({"style-src": ["'self'", "'unsafe-inline'"]})(
            SpectacularSwaggerSplitView.as_view(url_name="api-schema")
        ),
        name="api-docs",
    ),
    path("api/v1/", include(api_v1)),
    path("admin/", admin.site.urls),
    path("staff/compliance/", include("qinglang.compliance.urls")),
    path("staff/dashboard/", include("qinglang.dashboard.urls")),
    path("staff/", include("qinglang.core.urls")),
    path("cases/", include("qinglang.cases.urls")),
    path("calendar/", include("qinglang.cases.calendar_urls")),
    path("evidence/", include("qinglang.evidence.urls")),
    path("registry/", include("qinglang.registry.urls")),
    path("staff/disclosure/", include("qinglang.disclosure.staff_urls")),
    # Public disclosure pages; typical cases live at /typical-cases/ (/cases/ is the staff area).
    path("", include("qinglang.disclosure.urls")),
    path("", include("qinglang.supervision.urls")),
    path("monitoring/", include("qinglang.monitoring.urls")),
    path("protection/", include("qinglang.protection.urls")),
    path("", include("qinglang.intake.urls")),
]

handler400 = "qinglang.core.views.bad_request"
handler403 = "qinglang.core.views.permission_denied"
handler404 = "qinglang.core.views.page_not_found"
handler500 = "qinglang.core.views.server_error"
