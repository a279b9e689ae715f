from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from backoffice.admin_index import INDEX_TEMPLATE
from config import views
from gjj import user_admin
from gjj.auth import AuditedAdminAuthenticationForm

admin.site.site_header = "阳泉市住房公积金管理中心 业务管理系统"
admin.site.site_title = "阳泉公积金业务管理"
admin.site.index_title = "业务工作台"
admin.site.index_template = INDEX_TEMPLATE
admin.site.login_form = AuditedAdminAuthenticationForm
user_admin.register(admin.site)

urlpatterns = [
    # The site has no public page of its own: its root is the clerks' start page.
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False), name="home"),
    # The start page first: the site's index with the dashboard (same URL, admin:index).
    path("admin/", include("backoffice.urls")),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script as a file: no inline script under CSP.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/v1/", views.ApiIndexView.as_view(), name="api-index"),
    path("api/v1/", include("gjj.urls")),
    path("api/v1/loans/", include("loans.urls")),
    path("api/v1/withdrawals/", include("withdrawals.urls")),
]

handler400 = "config.views.bad_request"
handler404 = "config.views.not_found"
handler500 = "config.views.server_error"
