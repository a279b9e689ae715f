from django.apps import AppConfig


class BackofficeConfig(AppConfig):
    """The clerks' start page: the one app that reads every other app."""

    name = "backoffice"
    verbose_name = "业务工作台"
