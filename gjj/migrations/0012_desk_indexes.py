from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("gjj", "0011_household_facts"),
    ]

    operations = []
