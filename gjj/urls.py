from django.urls import path

from gjj import api

urlpatterns = [
    path("health/", api.HealthView.as_view(), name="health"),
    path("auth/signup/", api.SignupView.as_view(), name="auth-signup"),
    path("auth/login/", api.LoginView.as_view(), name="auth-login"),
    path("auth/logout/", api.LogoutView.as_view(), name="auth-logout"),
    path("me/", api.MeView.as_view(), name="me"),
    path("me/homes/", api.HomeDeclareView.as_view(), name="me-homes"),
    path("me/pf-loans/", api.PfLoanDeclareView.as_view(), name="me-pf-loans"),
]
