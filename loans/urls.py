from django.urls import include, path

from loans import api

urlpatterns = [
    # 冲还贷 of one loan: two segments after the id, so ``<str:pk>/`` does not shadow them.
    path(
        "<str:pk>/repayment-authorizations/",
        api.RepaymentAuthorizationListCreateView.as_view(),
        name="loan-repayment-authorizations",
    ),
    path(
        "<str:pk>/repayment-authorizations/<str:authorization_id>/stop/",
        api.RepaymentAuthorizationStopView.as_view(),
        name="loan-repayment-authorization-stop",
    ),
    path("", include("loans.quote_urls")),
    path("", include("loans.application_urls")),
]
