from django.apps import AppConfig


class GjjConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "gjj"
    verbose_name = "公积金中心基础数据"
