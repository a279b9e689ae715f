"""The project's URLs plus /bench/bare/: a DRF view that parses JSON and answers."""

from django.urls import path
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.urls import urlpatterns as project_urls


class BareView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []

    def post(self, request: Request) -> Response:
        return Response({"ok": True, "fields": len(request.data)})


urlpatterns = [*project_urls, path("bench/bare/", BareView.as_view())]
