from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("gjj", "0013_policy_status"),
    ]

    operations = []
