from django.urls import path, re_path

from withdrawals import api

app_name = "withdrawals"

# Ids are matched as text and parsed by the views, so that a malformed id is a
# JSON 404 in the project's error format rather than Django's HTML page.
urlpatterns = [
    path("applications/", api.ApplicationListCreateView.as_view(), name="application-list"),
    path("applications/<str:pk>/", api.ApplicationDetailView.as_view(), name="application-detail"),
    path(
        "applications/<str:pk>/submit/",
        api.ApplicationSubmitView.as_view(),
        name="application-submit",
    ),
    path(
        "applications/<str:pk>/cancel/",
        api.ApplicationCancelView.as_view(),
        name="application-cancel",
    ),
    path(
        "applications/<str:pk>/history/",
        api.ApplicationHistoryView.as_view(),
        name="application-history",
    ),
    path("limits/rental/", api.RentalLimitsView.as_view(), name="limits-rental"),
    path("limits/purchase/", api.PurchaseLimitsView.as_view(), name="limits-purchase"),
    path("consents/", api.ConsentListView.as_view(), name="consent-list"),
    # With or without the trailing slash: a POST cannot be redirected.
    re_path(
        r"^consents/(?P<pk>[^/]+)/accept/?$", api.ConsentAcceptView.as_view(), name="consent-accept"
    ),
    re_path(
        r"^consents/(?P<pk>[^/]+)/decline/?$",
        api.ConsentDeclineView.as_view(),
        name="consent-decline",
    ),
]
