from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("loans", "0007_desk_indexes"),
        ("gjj", "0013_policy_status"),
    ]

    operations = []
