from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("withdrawals", "0005_purchases"),
        ("gjj", "0012_desk_indexes"),
    ]

    operations = []
