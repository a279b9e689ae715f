from django.urls import include, path

urlpatterns = [
    path("", include("loans.quote_urls")),
    path("", include("loans.application_urls")),
]
