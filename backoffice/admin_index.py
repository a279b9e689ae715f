"""The admin start page: the site's own index with the clerks' dashboard above the app list."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest, HttpResponse

from backoffice.dashboard import dashboard_for

INDEX_TEMPLATE = "admin/backoffice/index.html"


def admin_index(request: HttpRequest) -> HttpResponse:
    return admin.site.index(request, extra_context={"dashboard": dashboard_for(user=request.user)})
