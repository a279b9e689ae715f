from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("loans", "0005_contract_terms"), ("gjj", "0010_policy_fidelity")]

    operations = [
        migrations.AlterField(
            model_name="loanapplication",
            name="monthly_income",
            field=models.DecimalField(
                blank=True,
                decimal_places=2,
                max_digits=16,
                null=True,
                verbose_name="借款人及共同借款配偶月收入合计",
            ),
        ),
    ]
