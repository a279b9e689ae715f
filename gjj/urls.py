from django.urls import path

from gjj import api

urlpatterns = [
    path("health/", api.HealthView.as_view(), name="health"),
]
