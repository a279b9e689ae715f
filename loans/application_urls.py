"""Loan applications and loans under /api/v1/loans/.

Ids are matched as text and parsed by the views, so that a malformed id is a
JSON 404 in the project's error format rather than Django's HTML page. The
loan routes come last: ``<str:pk>/`` must not shadow ``applications/``.
"""

from django.urls import path

from loans import api

urlpatterns = [
    path("applications/", api.ApplicationListCreateView.as_view(), name="loan-applications"),
    path(
        "applications/<str:pk>/",
        api.ApplicationDetailView.as_view(),
        name="loan-application-detail",
    ),
    path(
        "applications/<str:pk>/submit/",
        api.ApplicationSubmitView.as_view(),
        name="loan-application-submit",
    ),
    path(
        "applications/<str:pk>/withdraw/",
        api.ApplicationWithdrawView.as_view(),
        name="loan-application-withdraw",
    ),
    path(
        "applications/<str:pk>/history/",
        api.ApplicationHistoryView.as_view(),
        name="loan-application-history",
    ),
    # The center's transitions (the admin calls the same services).
    path("applications/<str:pk>/accept/", api.AcceptView.as_view(), name="loan-application-accept"),
    path("applications/<str:pk>/review/", api.ReviewView.as_view(), name="loan-application-review"),
    path(
        "applications/<str:pk>/approve/", api.ApproveView.as_view(), name="loan-application-approve"
    ),
    path("applications/<str:pk>/reject/", api.RejectView.as_view(), name="loan-application-reject"),
    path("applications/<str:pk>/sign/", api.SignView.as_view(), name="loan-application-sign"),
    path(
        "applications/<str:pk>/disburse/",
        api.DisburseView.as_view(),
        name="loan-application-disburse",
    ),
    path("", api.LoanListView.as_view(), name="loan-list"),
    path("<str:pk>/", api.LoanDetailView.as_view(), name="loan-detail"),
]
