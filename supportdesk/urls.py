from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.templatetags.static import static as static_url
from django.urls import include, path
from django.views.generic import RedirectView

from conversations.staff_views import conversation_live
from supportdesk import health
from supportdesk.demo.views import demo_store

admin.site.site_header = "Supportdesk administration"
admin.site.site_title = "Supportdesk"
admin.site.index_title = "Governance console"

urlpatterns = [
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    # Browsers ask every page's host for it; a 404 on each page load is noise in every log.
    path("favicon.ico", RedirectView.as_view(url=static_url("supportdesk/favicon.svg"), permanent=True)),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("demo/", demo_store, name="demo_store"),
    path("dashboard/", include("dashboard.urls")),
    path("staff/conversations/<int:conversation_id>/", conversation_live, name="conversation_live"),
    path("", include("conversations.urls")),
    path("", include("knowledge.urls")),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
