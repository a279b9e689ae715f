"""Public endpoints of the core: health."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import authenticate
from django.db import connection
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from kombu.utils.url import maybe_sanitize_url
from rest_framework import exceptions, serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from gjj import openapi_examples as examples
from gjj import services
from gjj.auth import (
    IsApplicant,
    LoginLocked,
    acting_user,
    applicant_depositor,
    client_ip,
    locked_message,
    login_failed_audit,
    login_failures_clear,
)
from gjj.domain import LoginChannel
from gjj.errors import BusinessError
from gjj.models import Depositor, FamilyMember
from gjj.selectors import (
    measure_days_left,
    policy_in_force,
    recorded_family_member,
    today_local,
)
from gjj.serializers import (
    ErrorSerializer,
    HomeDeclareSerializer,
    HomeSerializer,
    LoginSerializer,
    MeSerializer,
    PfLoanDeclareSerializer,
    PfLoanRecordSerializer,
    SignupSerializer,
    TokenSerializer,
)
from gjj.throttling import FixedWindowScopedThrottle


class HealthView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        summary="健康检查",
        responses=inline_serializer(
            "Health",
            {
                "status": serializers.CharField(),
                "database": serializers.CharField(),
                "broker": serializers.CharField(),
                "business_date": serializers.DateField(),
                "policy_version": serializers.CharField(),
                "measure": serializers.CharField(allow_null=True),
                "measure_days_left": serializers.IntegerField(allow_null=True),
            },
        ),
        examples=examples.HEALTH_EXAMPLES,
    )
    def get(self, request: Request) -> Response:
        today = today_local()
        snap = policy_in_force(on=today)
        with connection.cursor() as cur:
            cur.execute("SELECT 1")
        measure = snap.measure
        return Response(
            {
                "status": "ok",
                "database": connection.vendor,
                "broker": maybe_sanitize_url(settings.CELERY_BROKER_URL).split("://", 1)[0],
                "business_date": today.isoformat(),
                "policy_version": snap.version,
                "measure": measure.value if measure else None,
                "measure_days_left": measure_days_left(on=today),
            }
        )


# --- applicants: sign-up, log-in, log-out, own record -------------------------------


class AuthThrottled(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [FixedWindowScopedThrottle]
    throttle_scope = "auth"


class SignupView(AuthThrottled):
    @extend_schema(
        summary="注册：以姓名、身份证号码和个人账号绑定缴存职工",
        request=SignupSerializer,
        responses={
            201: TokenSerializer,
            400: ErrorSerializer,
            409: ErrorSerializer,
            429: ErrorSerializer,
        },
        examples=examples.SIGNUP_EXAMPLES,
    )
    def post(self, request: Request) -> Response:
        ser = SignupSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        depositor = services.applicant_signup(**ser.validated_data)
        if depositor.user is None:  # applicant_signup always links the new log-in
            raise RuntimeError("sign-up left the depositor without a log-in")
        token = services.api_token_issue(user=depositor.user, reason="注册后登录")
        return Response(
            TokenSerializer(token).data,
            status=status.HTTP_201_CREATED,
        )


class LoginView(AuthThrottled):
    @extend_schema(
        summary="登录，取得令牌（Authorization: Token <token>）",
        request=LoginSerializer,
        responses={200: TokenSerializer, 400: ErrorSerializer, 429: ErrorSerializer},
        examples=examples.LOGIN_EXAMPLES,
    )
    def post(self, request: Request) -> Response:
        ser = LoginSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        username = ser.validated_data["username"]
        # Through authenticate(request=...), so django-axes counts and locks this log-in.
        user = authenticate(request=request, **ser.validated_data)
        if user is None or not user.is_active:
            login_failed_audit(request=request, username=username, channel=LoginChannel.API)
            if getattr(request, "axes_locked_out", False):
                message, seconds = locked_message(request)
                raise LoginLocked(wait=seconds, detail=message)
            raise BusinessError("invalid_credentials", "用户名或密码错误")
        token = services.api_token_issue(user=user, client_ip=client_ip(request))
        login_failures_clear(user=user)
        return Response(TokenSerializer(token).data)


class LogoutView(APIView):
    @extend_schema(
        summary="退出登录（令牌作废）",
        request=None,
        responses={
            204: OpenApiResponse(description="已退出"),
            401: ErrorSerializer,
            # A browser session's log-out without its CSRF token.
            403: ErrorSerializer,
        },
    )
    def post(self, request: Request) -> Response:
        services.api_token_revoke(user=acting_user(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(APIView):
    permission_classes = [IsApplicant]

    @extend_schema(
        summary="本人缴存信息、家庭成员、住房与贷款记录",
        responses={200: MeSerializer, 401: ErrorSerializer, 403: ErrorSerializer},
        examples=examples.ME_EXAMPLES,
    )
    def get(self, request: Request) -> Response:
        depositor = applicant_depositor(request)
        return Response(MeSerializer(depositor).data)


# --- the applicant declares homes and provident loans of the household --------------------


def _applicant(request: Request) -> Depositor:
    depositor = applicant_depositor(request)
    if depositor is None:  # IsApplicant has let only applicants in
        raise exceptions.PermissionDenied(IsApplicant.message)
    return depositor


def _own_member(depositor: Depositor, member_id: int | None) -> FamilyMember | None:
    """The family member named in the body: one on the applicant's own record, or a 400.

    Another household's member is refused like an unknown id (the id reveals nothing).
    """
    if member_id is None:
        return None
    member = recorded_family_member(depositor=depositor, member_id=member_id)
    if member is None:
        message = "未找到本人登记的该家庭成员"
        raise BusinessError(
            "family_member_not_found",
            message,
            fields={"member": [{"code": "family_member_not_found", "message": message}]},
        )
    return member


class HomeDeclareView(APIView):
    permission_classes = [IsApplicant]

    @extend_schema(
        summary="申报本人或家庭成员的住房（待核实，经办核实前贷款不予审批）",
        request=HomeDeclareSerializer,
        responses={201: HomeSerializer, 400: ErrorSerializer},
        examples=examples.HOME_DECLARE_EXAMPLES,
    )
    def post(self, request: Request) -> Response:
        ser = HomeDeclareSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        data = dict(ser.validated_data)
        depositor = _applicant(request)
        member = _own_member(depositor, data.pop("member"))
        home = services.home_register(
            owner=depositor if member is None else None,
            member=member,
            actor=acting_user(request),
            declared=True,
            **data,
        )
        return Response(HomeSerializer(home).data, status=status.HTTP_201_CREATED)


class PfLoanDeclareView(APIView):
    permission_classes = [IsApplicant]

    @extend_schema(
        summary="申报本人或家庭成员的公积金贷款（待核实，经办核实前贷款不予审批）",
        request=PfLoanDeclareSerializer,
        responses={201: PfLoanRecordSerializer, 400: ErrorSerializer},
        examples=examples.PF_LOAN_DECLARE_EXAMPLES,
    )
    def post(self, request: Request) -> Response:
        ser = PfLoanDeclareSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        data = dict(ser.validated_data)
        depositor = _applicant(request)
        member = _own_member(depositor, data.pop("member"))
        record = services.pf_loan_record_add(
            borrower=depositor if member is None else None,
            member=member,
            actor=acting_user(request),
            declared=True,
            **data,
        )
        return Response(PfLoanRecordSerializer(record).data, status=status.HTTP_201_CREATED)
