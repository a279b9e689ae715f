from django.urls import path

from loans import quote_api

urlpatterns = [
    path("quote/", quote_api.QuoteView.as_view(), name="loan-quote"),
    path("quote/schedule/", quote_api.QuoteScheduleView.as_view(), name="loan-quote-schedule"),
]
