from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("loans", "0006_policy_fidelity"),
        ("gjj", "0012_desk_indexes"),
    ]

    operations = []
