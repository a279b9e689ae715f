"""The start page, mounted at the admin's own root so it keeps the URL of admin:index."""

from django.contrib import admin
from django.urls import path

from backoffice.admin_index import admin_index

urlpatterns = [
    path("", admin.site.admin_view(admin_index), name="admin-start"),
]
