import django.db.models.deletion
from django.db import migrations, models


def purchases_from_applications(apps, schema_editor):
    """One Purchase per distinct contract (same address, date and figures), oldest first.

    Earlier applications carry no contract number: the contract is recognised by what
    they stated, and its purchase keeps no number (NULL) until a clerk records one.
    """
    Application = apps.get_model("withdrawals", "WithdrawalApplication")
    Purchase = apps.get_model("withdrawals", "Purchase")
    seen = {}
    rows = Application.objects.filter(kind="purchase", purchase__isnull=True).order_by("pk")
    for app in rows:
        address = (app.property_address or "").strip()
        key = (address, app.contract_date, app.price, app.loans_amount, app.voucher_amount)
        purchase = seen.get(key) if address else None
        if purchase is None:
            purchase = Purchase.objects.create(
                buyer_id=app.applicant_id,
                price=app.price,
                loans_amount=app.loans_amount or 0,
                voucher_amount=app.voucher_amount or 0,
                contract_date=app.contract_date,
                property_address=address,
            )
            seen[key] = purchase
        Application.objects.filter(pk=app.pk).update(purchase=purchase)
    if schema_editor.connection.vendor == "postgresql":
        # The constraint added next is an ALTER TABLE, refused while FK checks are pending.
        with schema_editor.connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


class Migration(migrations.Migration):
    dependencies = [
        ("withdrawals", "0004_approved_household_facts"),
        ("gjj", "0008_ledger_controls"),
    ]

    operations = [
        migrations.CreateModel(
            name="Purchase",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "number",
                    models.CharField(
                        blank=True,
                        max_length=64,
                        null=True,
                        unique=True,
                        verbose_name="购房合同编号或不动产权证号",
                    ),
                ),
                (
                    "price",
                    models.DecimalField(decimal_places=2, max_digits=16, verbose_name="房屋总价"),
                ),
                (
                    "loans_amount",
                    models.DecimalField(
                        decimal_places=2,
                        max_digits=16,
                        verbose_name="贷款总额（商业贷款及公积金贷款）",
                    ),
                ),
                (
                    "voucher_amount",
                    models.DecimalField(decimal_places=2, max_digits=16, verbose_name="房票金额"),
                ),
                ("contract_date", models.DateField(verbose_name="购房合同签订日期")),
                (
                    "property_address",
                    models.CharField(blank=True, max_length=300, verbose_name="房屋坐落"),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="创建时间")),
                (
                    "buyer",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="purchases",
                        to="gjj.depositor",
                        verbose_name="购房人",
                    ),
                ),
            ],
            options={
                "verbose_name": "购房记录",
                "verbose_name_plural": "购房记录",
                "ordering": ["-id"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            ("loans_amount__gte", 0), ("price__gt", 0), ("voucher_amount__gte", 0)
                        ),
                        name="purchase_amounts_valid",
                    ),
                ],
            },
        ),
        migrations.AddField(
            model_name="withdrawalapplication",
            name="purchase",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="withdrawals",
                to="withdrawals.purchase",
                verbose_name="购房记录",
            ),
        ),
        migrations.RunPython(purchases_from_applications, migrations.RunPython.noop),
        migrations.RemoveConstraint(
            model_name="withdrawalapplication",
            name="withdrawal_purchase_fields",
        ),
        migrations.AddConstraint(
            model_name="withdrawalapplication",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("kind", "rental"),
                    models.Q(
                        ("contract_date__isnull", False),
                        ("loans_amount__gte", 0),
                        ("price__gt", 0),
                        ("purchase__isnull", False),
                        ("voucher_amount__gte", 0),
                    ),
                    _connector="OR",
                ),
                name="withdrawal_purchase_fields",
            ),
        ),
    ]
