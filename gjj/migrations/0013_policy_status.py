from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("gjj", "0012_desk_indexes"),
    ]

    operations = []
