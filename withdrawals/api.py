"""Applicants' withdrawal endpoints under /api/v1/withdrawals/.

Thin: validate, call one service or selector, serialize. An applicant sees only
their own applications and the consent requests addressed to them; anything
else is a 404, so that ids of other people's records reveal nothing.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
)
from rest_framework import generics, status
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from gjj.auth import IsApplicant, acting_user, applicant_depositor
from gjj.idempotency import idempotent
from gjj.models import Depositor
from gjj.selectors import today_local
from gjj.serializers import ErrorSerializer
from withdrawals import openapi_examples as examples
from withdrawals import selectors, services
from withdrawals.models import (
    ConsentStatus,
    StatusChange,
    WithdrawalApplication,
    WithdrawalKind,
    WithdrawalMember,
    WithdrawalStatus,
)
from withdrawals.serializers import (
    WithdrawalApplicationSerializer,
    WithdrawalConsentSerializer,
    WithdrawalKindSerializer,
    WithdrawalPurchaseCreateSerializer,
    WithdrawalPurchaseLimitsQuerySerializer,
    WithdrawalPurchaseLimitsSerializer,
    WithdrawalReasonSerializer,
    WithdrawalRentalCreateSerializer,
    WithdrawalRentalLimitsQuerySerializer,
    WithdrawalRentalLimitsSerializer,
    WithdrawalStatusChangeSerializer,
)


def errors(*codes: int) -> dict[int, type[ErrorSerializer]]:
    return dict.fromkeys(codes, ErrorSerializer)


# 401 without a log-in; 403 for a user who is not a depositor; 400 for bad input
# or filters; 404 for someone else's record (or a page past the end); 409 for a
# step the application's status does not allow, or a second one in flight.
NO_PAGE = {404: OpenApiResponse(ErrorSerializer, description="页码不存在")}
LIST_ERRORS = {**errors(400, 401, 403), **NO_PAGE}
READ_ERRORS = errors(401, 403, 404)
QUERY_ERRORS = errors(400, 401, 403)
CREATE_ERRORS = errors(400, 401, 403, 409)
CHANGE_ERRORS = errors(400, 401, 403, 404, 409)
ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="编号")


def parse_id(raw: object) -> int:
    """A positive id from the URL, or a 404 (an id that cannot exist names nothing)."""
    text = str(raw)
    if not text.isascii() or not text.isdigit() or len(text) > 18:
        raise NotFound()
    return int(text)


class ApplicantMixin(APIView):
    permission_classes = [IsApplicant]

    def me(self) -> Depositor:
        depositor = applicant_depositor(self.request)
        if depositor is None:  # IsApplicant has refused already: answer as it does
            self.permission_denied(self.request, message=IsApplicant.message)
        return depositor

    def my_application(self, pk: object) -> WithdrawalApplication:
        return get_object_or_404(selectors.applications_of(self.me()), pk=parse_id(pk))


class NoBlankFilterForm(forms.Form):
    """A filter named with an empty value is an error, not "no filter"."""

    def clean(self) -> dict[str, Any] | None:
        cleaned = super().clean()
        for name in self.fields:
            if name in self.data and self.data.get(name) == "":
                self.add_error(name, forms.ValidationError("不能为空", code="blank"))
        return cleaned


class ApplicationFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=WithdrawalStatus.choices, label="状态")
    kind = django_filters.ChoiceFilter(choices=WithdrawalKind.choices, label="提取类型")

    class Meta:
        model = WithdrawalApplication
        fields = ["status", "kind"]
        form = NoBlankFilterForm


class ConsentFilter(django_filters.FilterSet):
    consent_status = django_filters.ChoiceFilter(choices=ConsentStatus.choices, label="授权状态")

    class Meta:
        model = WithdrawalMember
        fields = ["consent_status"]
        form = NoBlankFilterForm


CREATE_REQUEST = PolymorphicProxySerializer(
    component_name="WithdrawalCreateRequest",
    serializers={
        WithdrawalKind.PURCHASE.value: WithdrawalPurchaseCreateSerializer,
        WithdrawalKind.RENTAL.value: WithdrawalRentalCreateSerializer,
    },
    resource_type_field_name="kind",
)


class ApplicationListCreateView(ApplicantMixin, generics.ListAPIView):
    serializer_class = WithdrawalApplicationSerializer
    filterset_class = ApplicationFilter

    def get_queryset(self) -> QuerySet[WithdrawalApplication]:
        if getattr(self, "swagger_fake_view", False):
            return WithdrawalApplication.objects.none()
        return selectors.applications_of(self.me())

    @extend_schema(
        summary="我的提取申请",
        responses={200: WithdrawalApplicationSerializer(many=True), **LIST_ERRORS},
        examples=examples.APPLICATION_LIST_EXAMPLES,
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="提出提取申请（草稿），支持 Idempotency-Key",
        description=(
            "kind=purchase：购房提取，members 列出提取人（本人、配偶、父母、子女）及金额；"
            "kind=rental：租房提取，金额不超过本年度剩余额度。创建后需调用 submit 提交。"
        ),
        request=CREATE_REQUEST,
        parameters=[
            OpenApiParameter(
                "Idempotency-Key", str, OpenApiParameter.HEADER, description="重复请求只创建一次"
            )
        ],
        responses={201: WithdrawalApplicationSerializer, **CREATE_ERRORS},
        examples=examples.APPLICATION_CREATE_EXAMPLES,
    )
    def post(self, request: Request) -> Response:
        return idempotent(request, lambda: self._create(request))

    def _create(self, request: Request) -> Response:
        kind = WithdrawalKindSerializer(data=request.data)
        kind.is_valid(raise_exception=True)
        if kind.validated_data["kind"] == WithdrawalKind.PURCHASE:
            purchase = WithdrawalPurchaseCreateSerializer(data=request.data)
            purchase.is_valid(raise_exception=True)
            data = dict(purchase.validated_data)
            data.pop("kind")
            members = [
                services.MemberRequest(
                    relation=m["relation"],
                    amount=m["amount"],
                    family_member_id=m.get("family_member"),
                )
                for m in data.pop("members")
            ]
            app = services.purchase_application_create(
                applicant=self.me(), actor=acting_user(request), members=members, **data
            )
        else:
            rental = WithdrawalRentalCreateSerializer(data=request.data)
            rental.is_valid(raise_exception=True)
            data = dict(rental.validated_data)
            data.pop("kind")
            app = services.rental_application_create(
                applicant=self.me(), actor=acting_user(request), **data
            )
        app = selectors.applications_of(self.me()).get(pk=app.pk)
        return Response(WithdrawalApplicationSerializer(app).data, status=status.HTTP_201_CREATED)


class ApplicationDetailView(ApplicantMixin, APIView):
    @extend_schema(
        summary="提取申请详情",
        parameters=[ID],
        responses={200: WithdrawalApplicationSerializer, **READ_ERRORS},
        examples=examples.APPLICATION_DETAIL_EXAMPLES,
    )
    def get(self, request: Request, pk: str) -> Response:
        return Response(WithdrawalApplicationSerializer(self.my_application(pk)).data)


class ApplicationSubmitView(ApplicantMixin, APIView):
    @extend_schema(
        summary="提交申请（按提交日重新核对额度）",
        parameters=[ID],
        request=None,
        responses={200: WithdrawalApplicationSerializer, **CHANGE_ERRORS},
        examples=examples.APPLICATION_SUBMIT_EXAMPLES,
    )
    def post(self, request: Request, pk: str) -> Response:
        app = services.withdrawal_submit(
            application=self.my_application(pk), actor=acting_user(request)
        )
        return Response(WithdrawalApplicationSerializer(self.my_application(app.pk)).data)


class ApplicationCancelView(ApplicantMixin, APIView):
    @extend_schema(
        summary="撤回申请（作出决定前）",
        parameters=[ID],
        request=WithdrawalReasonSerializer,
        responses={200: WithdrawalApplicationSerializer, **CHANGE_ERRORS},
        examples=examples.APPLICATION_CANCEL_EXAMPLES,
    )
    def post(self, request: Request, pk: str) -> Response:
        ser = WithdrawalReasonSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        app = services.withdrawal_cancel(
            application=self.my_application(pk),
            actor=acting_user(request),
            reason=ser.validated_data["reason"],
        )
        return Response(WithdrawalApplicationSerializer(self.my_application(app.pk)).data)


class ApplicationHistoryView(ApplicantMixin, generics.ListAPIView):
    serializer_class = WithdrawalStatusChangeSerializer

    def get_queryset(self) -> QuerySet[StatusChange]:
        if getattr(self, "swagger_fake_view", False):
            return StatusChange.objects.none()
        return self.my_application(self.kwargs["pk"]).history.order_by("id")

    @extend_schema(
        summary="申请状态变更记录",
        parameters=[ID],
        responses={200: WithdrawalStatusChangeSerializer(many=True), **READ_ERRORS},
        examples=examples.APPLICATION_HISTORY_EXAMPLES,
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class RentalLimitsView(ApplicantMixin, APIView):
    @extend_schema(
        summary="租房提取额度试算",
        description=(
            "本人本年度（或指定年度）租房提取额度、已提取与在办金额、剩余额度、"
            "账户余额及本次最多可申请金额；按今天（北京时间）在执行的政策计算。"
        ),
        parameters=[WithdrawalRentalLimitsQuerySerializer],
        responses={200: WithdrawalRentalLimitsSerializer, **QUERY_ERRORS},
        examples=examples.RENTAL_LIMITS_EXAMPLES,
    )
    def get(self, request: Request) -> Response:
        # A plain dict: DRF reads a blank query value of an optional field as absent.
        ser = WithdrawalRentalLimitsQuerySerializer(data=request.query_params.dict())
        ser.is_valid(raise_exception=True)
        today = today_local()
        year = ser.validated_data.get("year") or today.year
        return Response(selectors.rental_preview(depositor=self.me(), year=year, on=today))


class PurchaseLimitsView(ApplicantMixin, APIView):
    @extend_schema(
        summary="购房提取额度试算",
        description=(
            "自筹部分（房价−贷款−房票）、申请截止日、可提取的家庭成员及各自上限；"
            "按今天（北京时间）在执行的政策计算。"
        ),
        parameters=[WithdrawalPurchaseLimitsQuerySerializer],
        responses={200: WithdrawalPurchaseLimitsSerializer, **QUERY_ERRORS},
        examples=examples.PURCHASE_LIMITS_EXAMPLES,
    )
    def get(self, request: Request) -> Response:
        # A plain dict: DRF reads a blank query value of an optional field as absent.
        ser = WithdrawalPurchaseLimitsQuerySerializer(data=request.query_params.dict())
        ser.is_valid(raise_exception=True)
        q = ser.validated_data
        me = self.me()
        purchase = selectors.purchase_by_number(number=q["purchase_number"])
        if purchase is not None:
            selectors.purchase_check_stated(
                purchase=purchase,
                applicant=me,
                price=q["price"],
                loans_amount=q["loans_amount"],
                voucher_amount=q["voucher_amount"],
                contract_date=q["contract_date"],
            )
        limits = selectors.purchase_limits(
            buyer=me,
            on=today_local(),
            price=q["price"],
            loans_amount=q["loans_amount"],
            voucher_amount=q["voucher_amount"],
            contract_date=q["contract_date"],
            purchase=purchase,
        )
        return Response(limits.as_dict())


class ConsentListView(ApplicantMixin, generics.ListAPIView):
    serializer_class = WithdrawalConsentSerializer
    filterset_class = ConsentFilter

    def get_queryset(self) -> QuerySet[WithdrawalMember]:
        if getattr(self, "swagger_fake_view", False):
            return WithdrawalMember.objects.none()
        return selectors.consents_for(self.me())

    @extend_schema(
        summary="需要我确认的提取授权",
        responses={200: WithdrawalConsentSerializer(many=True), **LIST_ERRORS},
        examples=examples.CONSENT_LIST_EXAMPLES,
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class ConsentDecisionView(ApplicantMixin, APIView):
    accepted = True

    @extend_schema(
        request=None,
        parameters=[ID],
        responses={
            200: WithdrawalConsentSerializer,
            **READ_ERRORS,
            409: OpenApiResponse(ErrorSerializer, description="申请已办结或已确认过"),
        },
    )
    def post(self, request: Request, pk: str) -> Response:
        member = get_object_or_404(selectors.consents_for(self.me()), pk=parse_id(pk))
        services.member_consent_record(
            member=member, accepted=self.accepted, actor=acting_user(request)
        )
        fresh = selectors.consents_for(self.me()).get(pk=member.pk)
        return Response(WithdrawalConsentSerializer(fresh).data)


@extend_schema(summary="同意亲属提取本人住房公积金", examples=examples.CONSENT_ACCEPT_EXAMPLES)
class ConsentAcceptView(ConsentDecisionView):
    accepted = True


@extend_schema(
    summary="拒绝亲属提取本人住房公积金（退出该申请）", examples=examples.CONSENT_DECLINE_EXAMPLES
)
class ConsentDeclineView(ConsentDecisionView):
    accepted = False
