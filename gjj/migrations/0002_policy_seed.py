"""Load the policy rows of 阳政办发〔2024〕52号 and the national rules around it.

The rows below are a frozen copy: a later change to policy is a new data
migration or a new row entered by a 政策管理 clerk, never an edit here.
"""

from datetime import date

from django.db import migrations

# One row a line reads as the table it copies.
# fmt: off
D52 = "阳政办发〔2024〕52号《阳泉市进一步促进房地产市场平稳健康发展若干措施》"
D52_FROM = "2024-10-17"
D52_TO = "2027-10-16"
REGULATION = "《住房公积金管理条例》（国务院令第350号）"
JIANJIN_2010_179 = "建金〔2010〕179号《关于规范住房公积金个人住房贷款政策有关问题的通知》"
RETIREMENT_2024 = "《全国人民代表大会常务委员会关于实施渐进式延迟法定退休年龄的决定》（2024年9月13日）"
RETIREMENT_1978 = "国发〔1978〕104号《国务院关于安置老弱病残干部的暂行办法》《关于工人退休、退职的暂行办法》"
CENTER = "阳泉市住房公积金管理中心业务决定"
PBOC_2015 = "中国人民银行2015年8月25日降息公告（个人住房公积金贷款利率自2015年8月26日起下调）"
PBOC_2022 = "中国人民银行2022年9月30日《关于下调首套个人住房公积金贷款利率的通知》（自2022年10月1日起）"
PBOC_2024 = "中国人民银行2024年5月17日《关于下调个人住房公积金贷款利率的通知》（自2024年5月18日起）"
PBOC_2025 = "中国人民银行2025年5月7日下调个人住房公积金贷款利率0.25个百分点（自2025年5月8日起）"
PBOC_EXISTING = "中国人民银行历次个人住房公积金贷款利率调整通知（存量贷款自次年1月1日起执行）"

GROUPS = '["talent", "new_citizen", "youth", "military_family", "multi_child"]'

# (key, kind, value, effective_from, effective_to, document, article, source, note)
PARAMETERS = [
    ("measure.yqzb_2024_52", "text", "阳政办发〔2024〕52号", D52_FROM, D52_TO, D52,
     "施行期限：自2024年10月17日起施行，有效期3年", "52号", "措施有效期"),
    ("measure.expiry_warning_days", "integer", "60", "2015-08-26", None, CENTER,
     "措施到期预警", "decision", "到期前60天在管理后台提示"),
    # Amount limits.
    ("loan.cap.standard", "decimal", "800000.00", "2022-05-18", "2024-10-16", D52,
     "第二条：正常缴存职工由80万元调整为90万元", "52号",
     "调整前额度，阳政办发〔2022〕39号自2022-05-18印发"),
    ("loan.cap.standard", "decimal", "900000.00", D52_FROM, D52_TO, D52,
     "第二条：正常缴存职工由80万元调整为90万元", "52号", ""),
    ("loan.cap.special", "decimal", "1000000.00", D52_FROM, D52_TO, D52,
     "第二条：引进人才、新市民、青年人、现役军人家庭、二孩及以上多子女家庭最高可贷款100万元",
     "52号", ""),
    ("loan.cap.special_groups", "json", GROUPS, D52_FROM, D52_TO, D52,
     "第二条：引进人才、新市民、青年人、现役军人家庭、二孩及以上多子女家庭", "52号", ""),
    ("loan.down_payment.commercial.tier1", "decimal", "0.20", D52_FROM, D52_TO, D52,
     "第二条：购买自住商品房的，首套住房和二套住房最低首付款比例均为20%", "52号", ""),
    ("loan.down_payment.commercial.tier2", "decimal", "0.20", D52_FROM, D52_TO, D52,
     "第二条：购买自住商品房的，首套住房和二套住房最低首付款比例均为20%", "52号", ""),
    ("loan.down_payment.affordable.tier1", "decimal", "0.15", D52_FROM, D52_TO, D52,
     "第二条：购买保障性住房的，最低首付款比例为15%", "52号", ""),
    ("loan.down_payment.affordable.tier2", "decimal", "0.15", D52_FROM, D52_TO, D52,
     "第二条：购买保障性住房的，最低首付款比例为15%", "52号", ""),
    ("loan.balance_multiple", "decimal", None, D52_FROM, None, CENTER,
     "账户余额倍数", "decision", "阳泉未公布，未设置则不适用"),
    ("loan.repayment_capacity_share", "decimal", None, D52_FROM, None, CENTER,
     "还款能力（月还款额占家庭月收入比例上限）", "decision", "阳泉未公布，未设置则不适用"),
    ("loan.min_continuous_deposit_months", "integer", None, D52_FROM, None, CENTER,
     "连续缴存月数下限", "decision", "阳泉未公布，未设置则不适用"),
    ("loan.voucher.counts_as_own_funds", "boolean", "true", D52_FROM, D52_TO, D52,
     "第六条：房票票面金额不足以支付房款的部分，符合条件的房票使用人可申请住房公积金贷款",
     "52号", "房票面额计入自筹资金"),
    # Home count.
    ("loan.home_count.max_tier", "integer", "2", "2010-11-02", None, JIANJIN_2010_179,
     "停止向购买第三套及以上住房的缴存职工家庭发放住房公积金个人住房贷款", "national", ""),
    ("loan.home_count.pf_loan_not_counted_on_or_before", "date", "2014-12-31", D52_FROM, D52_TO,
     D52, "第二条：对于2014年12月31日前发放的公积金贷款，不再记入公积金贷款次数", "52号", ""),
    ("loan.multi_child.min_children", "integer", "2", D52_FROM, D52_TO, D52,
     "第三条：二孩及以上多子女家庭", "52号", ""),
    ("loan.multi_child.home_deduction", "integer", "1", D52_FROM, D52_TO, D52,
     "第三条：购买新建商品住房的，可给予核减1套家庭住房套数", "52号", "仅限新建商品住房"),
    # Term.
    ("loan.term.max_months", "integer", "360", "2015-08-26", None, CENTER,
     "贷款期限最长30年", "decision", ""),
    ("loan.term.retirement_extra_years", "integer", "5", "2015-08-26", None, CENTER,
     "贷款到期时借款人年龄不超过法定退休年龄后5年", "decision", ""),
    ("loan.term.retirement_female_base_age", "integer", "55", "2015-08-26", None, CENTER,
     "女性借款人按原法定退休年龄55周岁一档计算", "decision",
     "申请时无法确认岗位类别，统一按55周岁（改革后渐进至58周岁）"),
    ("loan.term.retirement_reform", "json",
     '{"male": {"base_age": 60, "target_age": 63, "first_birth_month": "1965-01", '
     '"birth_months_per_step": 4}, "female_55": {"base_age": 55, "target_age": 58, '
     '"first_birth_month": "1970-01", "birth_months_per_step": 4}, "female_50": '
     '{"base_age": 50, "target_age": 55, "first_birth_month": "1975-01", '
     '"birth_months_per_step": 2}}',
     "2025-01-01", None, RETIREMENT_2024, "附件《国务院关于渐进式延迟法定退休年龄的办法》第二条",
     "national", "每满若干个月出生延迟1个月"),
    ("loan.term.retirement_reform", "json",
     '{"male": {"base_age": 60, "target_age": 60, "first_birth_month": "1965-01", '
     '"birth_months_per_step": 4}, "female_55": {"base_age": 55, "target_age": 55, '
     '"first_birth_month": "1970-01", "birth_months_per_step": 4}, "female_50": '
     '{"base_age": 50, "target_age": 50, "first_birth_month": "1975-01", '
     '"birth_months_per_step": 2}}',
     "1978-06-02", "2024-12-31", RETIREMENT_1978, "男60周岁、女干部55周岁、女工人50周岁",
     "national", "改革前法定退休年龄"),
    # Rates and repricing.
    ("rate.term_band.up_to_months", "integer", "60", "2015-08-26", None, PBOC_2015,
     "五年以下（含五年）与五年以上两档", "national", "按合同期限划档"),
    ("rate.repricing.rule", "text", "next_january_1", "2015-08-26", None, PBOC_EXISTING,
     "存量贷款自调整后次年1月1日起按新利率执行", "national", "可改为按季度等其他规则"),
    ("rate.repricing.keep_rate_max_term_months", "integer", "12", "2015-08-26", None,
     PBOC_EXISTING, "合同期限1年以内（含1年）的贷款执行合同利率，不分段计息", "national", ""),
    # 商转公.
    ("szg.issued_on_or_before", "date", "2024-03-31", D52_FROM, D52_TO, D52,
     "第二条：凡2024年3月31日（含）之前……已办理个人住房贷款业务的公积金缴存职工，均可申请办理",
     "52号", ""),
    ("szg.eligible_lenders", "json",
     '[{"city": "阳泉", "bank": "*"}, {"city": "太原", "bank": "CCB"}]', D52_FROM, D52_TO, D52,
     "第二条：在阳泉市各商业银行和太原市建设银行", "52号", "bank 为 * 表示该市任一商业银行"),
    # Special groups.
    ("special.groups", "json", GROUPS, D52_FROM, D52_TO, D52,
     "第二条：引进人才、新市民、青年人、现役军人家庭、二孩及以上多子女家庭", "52号", ""),
    ("special.youth.max_age", "integer", "35", D52_FROM, None, CENTER,
     "青年人：申请之日年龄不超过35周岁", "decision", ""),
    ("special.new_citizen.max_hukou_years", "integer", "3", D52_FROM, None, CENTER,
     "新市民：无本市户籍或落户不满3年", "decision", ""),
    # Withdrawals.
    ("withdrawal.rental.cap.standard", "decimal", "15000.00", "2022-05-18", None, CENTER,
     "租房提取每人每年1.5万元", "decision", "52号仅提高特定群体额度"),
    ("withdrawal.rental.cap.special", "decimal", "18000.00", D52_FROM, D52_TO, D52,
     "第二条：租房提取公积金的额度由每年每人1.5万元提高至1.8万元", "52号", ""),
    ("withdrawal.rental.cap.special_groups", "json", GROUPS, D52_FROM, D52_TO, D52,
     "第二条：引进人才、新市民、青年人、现役军人家庭、二孩及以上多子女家庭", "52号", ""),
    ("withdrawal.purchase.family_relations", "json", '["self", "spouse"]', "2015-08-26", None,
     CENTER, "购房提取：本人及配偶", "decision", ""),
    ("withdrawal.purchase.family_relations", "json", '["self", "spouse", "parent", "child"]',
     D52_FROM, D52_TO, D52, "第二条：缴存职工购买住房时，可同时申请提取父母或子女住房公积金",
     "52号", ""),
    ("withdrawal.purchase.window_months", "integer", "12", "2015-08-26", None, CENTER,
     "购房合同签订之日起12个月内申请", "decision", ""),
    # Statutory deadlines.
    ("deadline.loan.decision_days", "integer", "15", "2002-03-24", None, REGULATION,
     "第二十六条：自受理申请之日起15日内作出准予贷款或者不准贷款的决定", "national", ""),
    ("deadline.withdrawal.decision_days", "integer", "3", "2002-03-24", None, REGULATION,
     "第二十五条：自受理申请之日起3日内作出准予提取或者不准提取的决定", "national", ""),
]

# (effective_from, home_tier, term_band, annual_rate_percent, is_floor, document, article)
RATES = [
    ("2015-08-26", 1, "le5", "2.750", False, PBOC_2015, "五年以下（含五年）首套"),
    ("2015-08-26", 1, "gt5", "3.250", False, PBOC_2015, "五年以上首套"),
    ("2015-08-26", 2, "le5", "3.025", True, JIANJIN_2010_179, "第二套不低于首套利率的1.1倍"),
    ("2015-08-26", 2, "gt5", "3.575", True, JIANJIN_2010_179, "第二套不低于首套利率的1.1倍"),
    ("2022-10-01", 1, "le5", "2.600", False, PBOC_2022, "五年以下（含五年）首套下调0.15个百分点"),
    ("2022-10-01", 1, "gt5", "3.100", False, PBOC_2022, "五年以上首套下调0.15个百分点"),
    ("2022-10-01", 2, "le5", "3.025", True, PBOC_2022, "第二套利率政策保持不变"),
    ("2022-10-01", 2, "gt5", "3.575", True, PBOC_2022, "第二套利率政策保持不变"),
    ("2024-05-18", 1, "le5", "2.350", False, PBOC_2024, "五年以下（含五年）首套2.35%；见52号第二条"),
    ("2024-05-18", 1, "gt5", "2.850", False, PBOC_2024, "五年以上首套2.85%；见52号第二条"),
    ("2024-05-18", 2, "le5", "2.775", True, PBOC_2024, "五年以下（含五年）第二套不低于2.775%"),
    ("2024-05-18", 2, "gt5", "3.325", True, PBOC_2024, "五年以上第二套不低于3.325%"),
    ("2025-05-08", 1, "le5", "2.100", False, PBOC_2025, "五年以下（含五年）首套2.1%"),
    ("2025-05-08", 1, "gt5", "2.600", False, PBOC_2025, "五年以上首套2.6%"),
    ("2025-05-08", 2, "le5", "2.525", True, PBOC_2025, "五年以下（含五年）第二套不低于2.525%"),
    ("2025-05-08", 2, "gt5", "3.075", True, PBOC_2025, "五年以上第二套不低于3.075%"),
]
# fmt: on


def _d(value):
    return date.fromisoformat(value) if value else None


def load(apps, schema_editor):
    """Create the rows not there yet, each with its audit row (safe to run again)."""
    PolicyParameter = apps.get_model("gjj", "PolicyParameter")
    LoanRate = apps.get_model("gjj", "LoanRate")
    AuditLog = apps.get_model("gjj", "AuditLog")
    for key, kind, value, start, end, document, article, source, note in PARAMETERS:
        row, created = PolicyParameter.objects.get_or_create(
            key=key,
            effective_from=_d(start),
            defaults={
                "kind": kind,
                "value": value,
                "effective_to": _d(end),
                "document": document,
                "article": article,
                "source": source,
                "note": note,
            },
        )
        if not created:
            continue
        AuditLog.objects.create(
            actor_label="migration:gjj.0002",
            action="policy_parameter_add",
            object_type="gjj.policyparameter",
            object_id=str(row.pk),
            object_repr=f"{key} @ {start}",
            new={"key": key, "value": value, "effective_from": start, "effective_to": end},
            reason="初始政策数据",
        )
    for start, tier, band, rate, is_floor, document, article in RATES:
        row, created = LoanRate.objects.get_or_create(
            effective_from=_d(start),
            home_tier=tier,
            term_band=band,
            defaults={
                "annual_rate_percent": rate,
                "is_floor": is_floor,
                "document": document,
                "article": article,
            },
        )
        if not created:
            continue
        AuditLog.objects.create(
            actor_label="migration:gjj.0002",
            action="policy_rate_add",
            object_type="gjj.loanrate",
            object_id=str(row.pk),
            object_repr=f"{start} {tier} {band} {rate}%",
            new={"effective_from": start, "home_tier": tier, "term_band": band, "rate": rate},
            reason="初始利率数据",
        )


class Migration(migrations.Migration):
    dependencies = [("gjj", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
