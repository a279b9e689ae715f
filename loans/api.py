"""REST endpoints of loan applications and loans (under /api/v1/loans/).

Applicants (``IsApplicant``) create, edit, submit and withdraw their own
household's applications and read their loans; another household's records
answer 404. The center's staff may drive the same transitions as the admin
(accept … disburse); the services check each user's role group.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, permissions, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from gjj.auth import ExpiringTokenAuthentication, IsApplicant, acting_user, applicant_depositor
from gjj.idempotency import HEADER, idempotent
from gjj.models import Depositor
from gjj.serializers import ErrorSerializer
from gjj.workflow import actor_roles
from loans import openapi_examples as examples
from loans import selectors, services, servicing
from loans.models import (
    ApplicationKind,
    ApplicationStatus,
    ApplicationStatusChange,
    Loan,
    LoanApplication,
    LoanStatus,
    RepaymentAuthorization,
)
from loans.serializers import (
    ApplicationInputSerializer,
    ApplicationSerializer,
    ApplicationUpdateSerializer,
    AuthorizationStopSerializer,
    LoanDetailSerializer,
    LoanSerializer,
    OpinionSerializer,
    RejectSerializer,
    RepaymentAuthorizationSerializer,
    SignSerializer,
    StatusChangeSerializer,
    WithdrawSerializer,
)
from loans.services import ApplicationDraft, LoanAction

# Token first: an anonymous request is told to authenticate (401), not refused (403).
AUTH = [ExpiringTokenAuthentication, SessionAuthentication]


def errors(*codes: int) -> dict[int, type[ErrorSerializer]]:
    return dict.fromkeys(codes, ErrorSerializer)


# What each kind of operation can answer besides success: 401 without a log-in,
# 403 for a user who is not an applicant (or a clerk without the role), 404 for
# another household's record or a page past the end, 400 for bad input or
# filters, 409 for a transition the record's status does not allow.
LIST_ERRORS = errors(400, 401, 403, 404)
READ_ERRORS = errors(401, 403, 404)
CREATE_ERRORS = errors(400, 401, 403, 409)
CHANGE_ERRORS = errors(400, 401, 403, 404, 409)
ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="编号")
IDEMPOTENCY = OpenApiParameter(
    HEADER,
    {"type": "string", "minLength": 1, "maxLength": 100},
    OpenApiParameter.HEADER,
    required=False,
    description="重复提交同一键时返回首次结果，不重复创建",
)


class StrictFilterSet(django_filters.FilterSet):
    """A filter named in the query must carry a valid value: ``?status=`` is a 400 too."""

    def is_valid(self) -> bool:
        valid = super().is_valid()
        data = self.data or {}
        for name in self.filters:
            if name in data and not str(data.get(name, "")).strip():
                self.form.add_error(name, ValidationError("筛选条件不能为空", code="blank"))
                valid = False
        return valid


class ApplicationFilter(StrictFilterSet):
    status = django_filters.ChoiceFilter(choices=ApplicationStatus.choices)
    kind = django_filters.ChoiceFilter(choices=ApplicationKind.choices)

    class Meta:
        model = LoanApplication
        fields = ["status", "kind"]


class LoanFilter(StrictFilterSet):
    status = django_filters.ChoiceFilter(choices=LoanStatus.choices)

    class Meta:
        model = Loan
        fields = ["status"]


class IsCenterStaff(permissions.BasePermission):
    """A user holding a business role (``gjj.workflow``: groups, never ``is_superuser``).

    Which transition they may take is the service's call, with the same roles.
    """

    message = "仅限中心工作人员办理"

    def has_permission(self, request: Request, view: object) -> bool:
        user = request.user
        return isinstance(user, User) and bool(actor_roles(user))


def parse_id(raw: object) -> int:
    """A positive id from the URL, or a JSON 404 (ids are matched as text by the URLs)."""
    text = str(raw)
    if not text.isascii() or not text.isdigit() or len(text) > 18:
        raise NotFound()
    return int(text)


def _depositor(request: Request) -> Depositor:
    depositor = applicant_depositor(request)
    if depositor is None:  # IsApplicant has let only applicants in
        raise PermissionDenied(IsApplicant.message)
    return depositor


class ApplicantView(APIView):
    authentication_classes = AUTH
    permission_classes = [IsApplicant]

    def household_applications(self) -> QuerySet[LoanApplication]:
        return selectors.applications_of_household(depositor=_depositor(self.request))

    def application(self, pk: object) -> LoanApplication:
        app = self.household_applications().filter(pk=parse_id(pk)).first()
        if app is None:
            raise NotFound()
        return app


class ApplicationListCreateView(ApplicantView, generics.ListAPIView):
    serializer_class = ApplicationSerializer
    filterset_class = ApplicationFilter

    def get_queryset(self) -> QuerySet[LoanApplication]:
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return LoanApplication.objects.none()
        return self.household_applications()

    @extend_schema(
        summary="本家庭的贷款申请",
        responses={200: ApplicationSerializer(many=True), **LIST_ERRORS},
        examples=examples.APPLICATION_LIST_EXAMPLES,
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="新建贷款申请草稿（购房或商转公）",
        request=ApplicationInputSerializer,
        parameters=[IDEMPOTENCY],
        responses={201: ApplicationSerializer, **CREATE_ERRORS},
        examples=examples.APPLICATION_CREATE_EXAMPLES,
    )
    def post(self, request: Request) -> Response:
        return idempotent(request, lambda: self._create(request))

    def _create(self, request: Request) -> Response:
        ser = ApplicationInputSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        data = dict(ser.validated_data)
        kind = data.pop("kind")
        app = services.application_create(
            applicant=_depositor(request),
            actor=acting_user(request),
            kind=kind,
            draft=ApplicationDraft(**data),
        )
        return Response(ApplicationSerializer(app).data, status=status.HTTP_201_CREATED)


class ApplicationDetailView(ApplicantView):
    @extend_schema(
        summary="贷款申请详情",
        parameters=[ID],
        responses={200: ApplicationSerializer, **READ_ERRORS},
        examples=examples.APPLICATION_DETAIL_EXAMPLES,
    )
    def get(self, request: Request, pk: str) -> Response:
        return Response(ApplicationSerializer(self.application(pk)).data)

    def _update(self, request: Request, pk: str, partial: bool) -> Response:
        app = self.application(pk)
        ser = ApplicationUpdateSerializer(
            data=request.data, partial=partial, context={"kind": app.kind}
        )
        ser.is_valid(raise_exception=True)
        app = services.application_update(
            application=app,
            actor=acting_user(request),
            draft=ApplicationDraft(**ser.validated_data),
        )
        return Response(ApplicationSerializer(app).data)

    @extend_schema(
        summary="修改草稿（部分字段）",
        parameters=[ID],
        request=ApplicationUpdateSerializer,
        responses={200: ApplicationSerializer, **CHANGE_ERRORS},
        examples=examples.APPLICATION_PATCH_EXAMPLES,
    )
    def patch(self, request: Request, pk: str) -> Response:
        return self._update(request, pk, partial=True)

    @extend_schema(
        summary="修改草稿",
        parameters=[ID],
        request=ApplicationUpdateSerializer,
        responses={200: ApplicationSerializer, **CHANGE_ERRORS},
        examples=examples.APPLICATION_PUT_EXAMPLES,
    )
    def put(self, request: Request, pk: str) -> Response:
        return self._update(request, pk, partial=False)


class ApplicationSubmitView(ApplicantView):
    @extend_schema(
        summary="提交申请：按中心掌握的家庭情况测算并冻结结果",
        parameters=[ID],
        request=None,
        responses={200: ApplicationSerializer, **CHANGE_ERRORS},
        examples=examples.APPLICATION_SUBMIT_EXAMPLES,
    )
    def post(self, request: Request, pk: str) -> Response:
        app = services.application_submit(
            application=self.application(pk), actor=acting_user(request)
        )
        return Response(ApplicationSerializer(app).data)


class ApplicationWithdrawView(ApplicantView):
    @extend_schema(
        summary="撤回申请（作出审批决定前）",
        parameters=[ID],
        request=WithdrawSerializer,
        responses={200: ApplicationSerializer, **CHANGE_ERRORS},
        examples=examples.APPLICATION_WITHDRAW_EXAMPLES,
    )
    def post(self, request: Request, pk: str) -> Response:
        app = self.application(pk)
        ser = WithdrawSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        app = services.application_withdraw(
            application=app,
            actor=acting_user(request),
            reason=ser.validated_data.get("reason", ""),
        )
        return Response(ApplicationSerializer(app).data)


class ApplicationHistoryView(ApplicantView, generics.ListAPIView):
    serializer_class = StatusChangeSerializer
    filter_backends: list = []

    def get_queryset(self) -> QuerySet[ApplicationStatusChange]:
        if getattr(self, "swagger_fake_view", False):
            return ApplicationStatusChange.objects.none()
        app = self.application(self.kwargs["pk"])
        return ApplicationStatusChange.objects.filter(application=app).order_by("id")

    @extend_schema(
        summary="申请状态记录",
        parameters=[ID],
        responses={200: StatusChangeSerializer(many=True), **READ_ERRORS},
        examples=examples.APPLICATION_HISTORY_EXAMPLES,
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


# --- the center's transitions ----------------------------------------------------------


class StaffTransitionView(APIView):
    authentication_classes = AUTH
    permission_classes = [IsCenterStaff]
    action: LoanAction
    input_serializer: type | None = None

    def call(self, app: LoanApplication, actor: User, data: dict[str, Any]) -> None:
        """One explicit service call per step; the service checks the actor's role."""
        match self.action:
            case LoanAction.ACCEPT:
                services.application_accept(application=app, actor=actor)
            case LoanAction.REVIEW:
                services.application_review(
                    application=app, actor=actor, opinion=data.get("opinion", "")
                )
            case LoanAction.APPROVE:
                services.application_approve(
                    application=app, actor=actor, opinion=data.get("opinion", "")
                )
            case LoanAction.REJECT:
                services.application_reject(application=app, actor=actor, reason=data["reason"])
            case LoanAction.SIGN:
                services.application_sign(
                    application=app,
                    actor=actor,
                    amount=data["amount"],
                    term_months=data["term_months"],
                    repayment_method=data["repayment_method"],
                    guarantee_type=data["guarantee_type"],
                    repayment_day=data["repayment_day"],
                    guarantee_note=data.get("guarantee_note", ""),
                )
            case LoanAction.DISBURSE:
                services.application_disburse(application=app, actor=actor)

    def post(self, request: Request, pk: str) -> Response:
        app = LoanApplication.objects.filter(pk=parse_id(pk)).first()
        if app is None:
            raise NotFound()
        data: dict[str, Any] = {}
        if self.input_serializer is not None:
            ser = self.input_serializer(data=request.data)
            ser.is_valid(raise_exception=True)
            data = dict(ser.validated_data)
        self.call(app, acting_user(request), data)
        app.refresh_from_db()
        return Response(ApplicationSerializer(app).data)


def _staff_view(
    step: LoanAction, summary: str, serializer: type | None
) -> type[StaffTransitionView]:
    action = step.value

    class View(StaffTransitionView):
        input_serializer = serializer

        @extend_schema(
            summary=summary,
            parameters=[ID],
            request=serializer,
            responses={200: ApplicationSerializer, **CHANGE_ERRORS},
            examples=examples.TRANSITION_EXAMPLES[action],
            operation_id=f"loan_application_{action}",
        )
        def post(self, request: Request, pk: str) -> Response:
            return super().post(request, pk)

    View.action = step
    View.__name__ = f"Application{action.title()}View"
    View.__qualname__ = View.__name__
    return View


AcceptView = _staff_view(LoanAction.ACCEPT, "受理（经办）", None)
ReviewView = _staff_view(LoanAction.REVIEW, "审核（复核）", OpinionSerializer)
ApproveView = _staff_view(LoanAction.APPROVE, "审批同意（审批，不得为审核人）", OpinionSerializer)
RejectView = _staff_view(LoanAction.REJECT, "不予贷款（审批，须填写理由）", RejectSerializer)
SignView = _staff_view(LoanAction.SIGN, "签订借款合同（经办）", SignSerializer)
DisburseView = _staff_view(LoanAction.DISBURSE, "放款（经办）", None)


# --- loans --------------------------------------------------------------------------------


class LoanListView(ApplicantView, generics.ListAPIView):
    serializer_class = LoanSerializer
    filterset_class = LoanFilter

    def get_queryset(self) -> QuerySet[Loan]:
        if getattr(self, "swagger_fake_view", False):
            return Loan.objects.none()
        return selectors.loans_of_household(depositor=_depositor(self.request))

    @extend_schema(
        summary="本家庭的公积金贷款",
        responses={200: LoanSerializer(many=True), **LIST_ERRORS},
        examples=examples.LOAN_LIST_EXAMPLES,
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class LoanDetailView(ApplicantView):
    @extend_schema(
        summary="贷款详情：还款计划、剩余本金、下一期、利率变动、逾期与罚息、风险分类、冲还贷",
        parameters=[ID],
        responses={200: LoanDetailSerializer, **READ_ERRORS},
        examples=examples.LOAN_DETAIL_EXAMPLES,
    )
    def get(self, request: Request, pk: str) -> Response:
        loan = (
            selectors.loans_of_household(depositor=_depositor(request))
            .filter(pk=parse_id(pk))
            .first()
        )
        if loan is None:
            raise NotFound()
        return Response(LoanDetailSerializer(loan).data)


# --- 冲还贷: each borrower authorises and stops the drawing from their own account ---------

AUTHORIZATION_ID = OpenApiParameter(
    "authorization_id", int, OpenApiParameter.PATH, description="冲还贷授权编号"
)
# A creation under a loan's id: 404 for another household's loan besides the creation's answers.
CREATE_UNDER_ERRORS = errors(400, 401, 403, 404, 409)


class LoanOwnAuthorizationView(ApplicantView):
    """A loan of the applicant's household and the applicant's own authorisations on it.

    Each person authorises their own provident account only: the borrower theirs,
    the co-borrowing spouse theirs; neither sees or stops the other's.
    """

    def loan(self, pk: object) -> Loan:
        loan = (
            selectors.loans_of_household(depositor=_depositor(self.request))
            .filter(pk=parse_id(pk))
            .first()
        )
        if loan is None:
            raise NotFound()
        return loan

    def own_authorizations(self, loan: Loan) -> QuerySet[RepaymentAuthorization]:
        return servicing.repayment_authorizations_of(loan=loan).filter(
            depositor=_depositor(self.request)
        )


class RepaymentAuthorizationListCreateView(LoanOwnAuthorizationView, generics.ListAPIView):
    serializer_class = RepaymentAuthorizationSerializer
    filter_backends: list = []

    def get_queryset(self) -> QuerySet[RepaymentAuthorization]:
        if getattr(self, "swagger_fake_view", False):
            return RepaymentAuthorization.objects.none()
        return self.own_authorizations(self.loan(self.kwargs["pk"])).select_related(
            "account", "depositor"
        )

    @extend_schema(
        summary="本人对该笔贷款的冲还贷授权（含已终止的，新的在前）",
        parameters=[ID],
        responses={200: RepaymentAuthorizationSerializer(many=True), **LIST_ERRORS},
        examples=examples.AUTHORIZATION_LIST_EXAMPLES,
        operation_id="loan_repayment_authorization_list",
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="授权冲还贷：每月从本人公积金账户扣划该笔贷款的应还款",
        description=(
            "借款人或共同借款的配偶各自授权本人的公积金账户；夜间批处理先从借款人、"
            "再从配偶的账户按可用余额扣划，不足部分由委托扣款银行账户扣收"
        ),
        parameters=[ID, IDEMPOTENCY],
        request=None,
        responses={201: RepaymentAuthorizationSerializer, **CREATE_UNDER_ERRORS},
        examples=examples.AUTHORIZATION_GRANT_EXAMPLES,
        operation_id="loan_repayment_authorization_grant",
    )
    def post(self, request: Request, pk: str) -> Response:
        return idempotent(request, lambda: self._grant(request, pk))

    def _grant(self, request: Request, pk: str) -> Response:
        loan = self.loan(pk)
        auth = servicing.repayment_authorization_grant(
            loan=loan, account=_depositor(request).account, actor=acting_user(request)
        )
        body = RepaymentAuthorizationSerializer(auth).data
        return Response(body, status=status.HTTP_201_CREATED)


class RepaymentAuthorizationStopView(LoanOwnAuthorizationView):
    @extend_schema(
        summary="终止本人的冲还贷授权",
        description="终止后夜间不再从本人账户扣划；重新授权为一份新的授权，原授权记录保留",
        parameters=[ID, AUTHORIZATION_ID],
        request=AuthorizationStopSerializer,
        responses={200: RepaymentAuthorizationSerializer, **CHANGE_ERRORS},
        examples=examples.AUTHORIZATION_STOP_EXAMPLES,
        operation_id="loan_repayment_authorization_stop",
    )
    def post(self, request: Request, pk: str, authorization_id: str) -> Response:
        loan = self.loan(pk)
        auth = self.own_authorizations(loan).filter(pk=parse_id(authorization_id)).first()
        if auth is None:  # another person's authorisation is not the reader's to see
            raise NotFound()
        ser = AuthorizationStopSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        auth = servicing.repayment_authorization_stop(
            authorization=auth,
            actor=acting_user(request),
            reason=ser.validated_data.get("reason", ""),
        )
        return Response(RepaymentAuthorizationSerializer(auth).data)
