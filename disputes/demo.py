"""Demo dispute cases of the demo county 示范县 (see grids/demo.py and governance/demo.py).

`seed_cases` writes the cases of last year and of this year to date (so a leader's chart of this
year against last has both) the way the services would have written them, one step after
another: the same numbers (年份-镇街序号-流水号, continuing `CaseSequence`), the same fields at each
state, the same timeline events and history. It writes them in bulk, because it runs in the first
command a newcomer types. Everything is drawn from one seeded random generator; dates are relative
to now, so the demo always shows a live year (open cases of this week, overdue ones, archives).
When a dispute arises follows the seasons of a rural county (SEASONS below): wage claims before
the Spring Festival, family and land quarrels when the migrant workers are home, land again at
spring planting and autumn harvest, and a quiet festival week.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from itertools import accumulate
from typing import NamedTuple

from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from disputes.deadlines import LimitBook, add_limit
from disputes.key_persons import KEY_PERSON_CASES_PER_YEAR
from disputes.models import (
    DIRECT_CHANNELS,
    SETTLE_CHANNELS,
    Case,
    CaseEvent,
    CaseSequence,
    Category,
    Channel,
    KeyPerson,
    Outcome,
    Party,
    RejectReason,
    RiskLevel,
    Route,
    Satisfaction,
    Stage,
    Status,
    VisitMethod,
)
from governance.models import Unit, User
from governance.validators import id_check_digit
from governance.workdays import add_working_days, is_working_day, statutory_holidays
from grids.models import Grid, Region

CASES_PER_SCALE = 2000
SEED = 20261123
BATCH_SIZE = 500
RISK_CODES = ("red", "yellow", "blue")
RETURN_VISIT_DAYS = (28, 40)  # the return visit falls due 30 days after closure
OPEN_MINUTE, CLOSE_MINUTE = 8 * 60 + 30, 17 * 60 + 30  # office hours 08:30–17:30

A, E = CaseEvent.Action, Status

# --- People -----------------------------------------------------------------------------------

_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
_SURNAME_WEIGHTS = [1 / (i + 6) for i in range(len(_SURNAMES))]
_MALE = "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆旭宁龙林峰建国志红卫东德福贵才海文武庆生荣春"
_FEMALE = "芳娜敏静丽艳娟霞秀英慧巧美玲桂兰凤洁琳素云莲雪荣爱香月瑞佳嘉琼勤珍莉萍红梅燕玉翠华"
_MOBILE_PREFIXES = tuple(
    str(p)
    for p in (*range(130, 140), *range(150, 160), 166, *range(173, 179), *range(180, 190), 191, 198, 199)
    if p not in (134, 154, 174, 179)
)
_BRANDS = (
    *("鑫达", "宏远", "恒通", "振华", "顺发", "安居", "金鼎", "华宇", "永盛", "兴旺"),
    *("瑞丰", "天成", "新泰", "广源", "福满", "康宁", "盛世", "嘉禾", "隆昌", "明珠"),
)
_ESTATES = ["阳光", "锦绣", "翡翠", "滨江", "御景", "书香", "金色", "学府", "清华", "铂悦", "龙湖", "碧水"]
_ESTATE_SUFFIXES = ["花园", "名苑", "华府", "新城", "家园", "公馆"]
_ORGS = {
    "labour": ("{x}建筑劳务有限公司", "示范县{x}服装厂", "{x}食品加工有限公司", "{x}物流有限公司"),
    "injury": ("{x}建材有限公司", "{x}机械加工厂", "{x}木业有限公司", "{x}建筑劳务有限公司"),
    "property": ("{x}物业服务有限公司", "示范县{x}物业管理有限公司"),
    "developer": ("示范县{x}房地产开发有限公司", "{x}置业有限公司"),
    "shop": ("{x}家电商城", "{x}电器专卖店", "{x}家具城"),
    "decorator": ("{x}装饰工程有限公司", "{x}家居装饰设计工作室"),
    "school": ("{x}教育培训学校", "{x}艺术培训中心"),
    "hospital": ("示范县人民医院", "示范县中医医院", "示范县妇幼保健院", "{t}卫生院"),
    "clinic": ("示范县{x}口腔诊所", "{x}口腔门诊部"),
    "farm": ("{x}生猪养殖场", "{x}养殖专业合作社"),
    "factory": ("{x}石材加工厂", "{x}混凝土有限公司", "{x}砖厂"),
    "builder": ("{x}建设工程有限公司", "{x}市政工程有限公司"),
    "agri": ("{x}农业开发有限公司", "{x}种植专业合作社", "{x}生态农业有限公司"),
    "committee": ("{v}村民委员会",),
}


class Person(NamedTuple):
    name: str
    id_number: str
    phone: str
    address: str


class Template(NamedTuple):
    """One kind of dispute: its summary, what the applicant asks, and what a settlement says.
    Placeholders: {a} {b} (the parties as written in case files: 王某, 李某, or the organisation),
    {amt} {n} {m} {v} {t} and the scenery below."""

    summary: str
    demands: str
    resolution: str
    amount: tuple[int, int] | None = None
    group: bool = False  # five or more people: 群体性
    org: str = ""  # the respondent is an organisation of this kind
    kin: bool = False  # the parties are relatives (same surname: 王某甲 / 王某乙)
    a_sex: str = ""
    b_sex: str = ""
    a_age: tuple[int, int] = (22, 72)
    place: str = ""
    setting: str = ""  # "rural": fits a 村 only; "urban": a 社区 only


T = Template
TEMPLATES: dict[str, tuple[Template, ...]] = {
    "marriage_family": (
        T(
            "{a}反映其前夫{b}离婚后已{m}个月未支付子女抚养费，累计{amt}元，多次催要无果，双方在接送孩子时发生争吵。",
            "要求{b}付清拖欠的抚养费{amt}元，今后按月按时支付。",
            "{b}当场支付拖欠的抚养费{amt}元，并承诺今后每月10日前按时支付",
            (3000, 24000),
            a_sex="F",
            b_sex="M",
        ),
        T(
            "{a}与丈夫{b}因家庭琐事及家务分工长期不和，近期{b}酒后与{a}发生争吵并摔砸家具，{a}带孩子回娘家居住，"
            "情绪激动。",
            "要求{b}保证不再酒后滋事，否则依法解除婚姻关系并分割共同财产。",
            "{b}当面向{a}道歉并写下保证书，双方约定共同分担家务、和好如初",
            a_sex="F",
            b_sex="M",
        ),
        T(
            "{a}年逾七旬、身患慢性病，与儿子{b}等子女因赡养费分摊和轮流照料安排发生纠纷，{b}已近半年未支付赡养费。",
            "要求子女按月支付赡养费，轮流照料生活起居。",
            "子女三人每人每月支付赡养费{small}元，按季度轮流照料老人",
            kin=True,
            b_sex="M",
            a_age=(70, 86),
        ),
    ),
    "neighbourhood": (
        T(
            "{a}与邻居{b}因宅基地边界滴水檐问题发生纠纷。{b}翻建房屋时屋檐超出原界址约{cm}厘米，雨水直接滴落在{a}家"
            "院内，双方多次争吵。",
            "要求{b}拆除超出部分或采取排水措施，恢复原状。",
            "双方在村干部见证下确认界址，{b}加装落水管将雨水引入自家排水沟",
            setting="rural",
        ),
        T(
            "{a}与{b}因排水沟堵塞引发纠纷。{b}在门前硬化路面时堵塞了公共排水沟，导致{a}家院子雨后积水、墙体受潮。",
            "要求{b}疏通排水沟，赔偿损失{amt}元。",
            "{b}出资疏通排水沟，并补偿{a}墙体维修费{amt}元",
            (800, 6000),
        ),
        T(
            "{a}反映楼上住户{b}长期深夜噪音扰民，且卫生间漏水导致其家天花板霉变，双方协商未果并发生口角。",
            "要求{b}维修防水层，赔偿装修损失{amt}元，并注意控制噪音。",
            "{b}请专业人员维修防水层，赔偿{a}装修损失{amt}元，双方互相谅解",
            (1500, 12000),
            setting="urban",
        ),
    ),
    "land_contract": (
        T(
            "{a}与{b}因承包地边界不清发生纠纷。{a}称{b}在耕种时越界占用其承包地约{mu}亩，双方多次争执，险些发生"
            "肢体冲突。",
            "要求按土地承包经营权证确认地界，退还被占土地。",
            "经镇村干部现场丈量，按确权登记图纸重新埋设界桩，{b}退还多占土地",
            setting="rural",
        ),
        T(
            "{a}等{n}户村民反映，{b}流转其承包地种植经济作物，约定每年每亩流转费{x}元，已拖欠{m}个月未支付，"
            "合计{amt}元。",
            "要求{b}付清拖欠的土地流转费，否则解除流转合同、收回土地。",
            "{b}分两期付清拖欠的流转费{amt}元，双方继续履行流转合同",
            (20000, 180000),
            group=True,
            org="agri",
            setting="rural",
        ),
        T(
            "{a}与兄弟{b}因父母去世后遗留的承包地分配问题发生纠纷，双方对耕种权属及耕地地力保护补贴归属各执一词。",
            "要求重新分配承包地，补贴按耕种面积享有。",
            "在亲属和村干部见证下，双方签订承包地耕种分配协议，补贴按耕种面积分享",
            kin=True,
            a_sex="M",
            b_sex="M",
            setting="rural",
        ),
    ),
    "labour": (
        T(
            "{a}等{n}名农民工反映，在{b}承建的{proj}项目务工，工程完工后被拖欠工资共计{amt}元，多次讨要无果，"
            "扬言到县政府上访。",
            "要求{b}尽快足额支付拖欠的工资。",
            "{b}与总承包方共同筹措资金，于{days}日内分两次足额支付拖欠工资{amt}元",
            (60000, 600000),
            group=True,
            org="labour",
            a_sex="M",
        ),
        T(
            "{a}在{b}工作期间因工受伤，住院治疗花费{amt}元，双方对工伤认定及医疗费、误工费承担问题存在争议。",
            "要求{b}承担医疗费、误工费和伤残补助等费用。",
            "{b}一次性支付{a}医疗费、误工费等各项费用共计{amt}元，双方劳动关系依法解除",
            (15000, 120000),
            org="injury",
        ),
        T(
            "{a}被{b}辞退，{b}未依法支付经济补偿金，且近{m}个月未为其缴纳社会保险，双方协商不成。",
            "要求{b}支付经济补偿金{amt}元并补缴社会保险。",
            "{b}支付经济补偿金{amt}元，并于本月内补缴社会保险",
            (6000, 40000),
            org="labour",
        ),
    ),
    "expropriation": (
        T(
            "{a}反映{v}因{proj}项目征地，其家庭对地上附着物补偿标准有异议，认为果树和附属房屋评估价格偏低，"
            "拒绝签订补偿协议。",
            "要求重新评估地上附着物，提高补偿标准。",
            "经重新核实附着物数量并解释补偿政策，{a}签订补偿协议，补偿款{amt}元按期发放",
            (30000, 260000),
            org="committee",
            setting="rural",
        ),
        T(
            "{a}与兄弟{b}因老宅拆迁补偿款{amt}元的分配问题发生纠纷，双方对房屋产权份额及照顾父母的付出各执一词。",
            "要求按产权份额公平分配拆迁补偿款。",
            "双方按约定份额分配补偿款{amt}元，并共同承担母亲的赡养义务",
            (150000, 800000),
            kin=True,
            a_sex="M",
            b_sex="M",
        ),
        T(
            "{v}{n}户村民反映，{proj}项目征收集体土地后，土地补偿款的分配方案未经村民代表会议讨论，部分外嫁女"
            "未获分配。",
            "要求公开补偿款分配方案，外嫁女享有同等分配权。",
            "村委会召开村民代表会议重新表决分配方案，符合条件的外嫁女按同等标准分配",
            group=True,
            org="committee",
            a_sex="F",
            setting="rural",
        ),
    ),
    "medical": (
        T(
            "{a}的父亲在{b}住院期间病情突然加重，经抢救无效死亡。{a}等家属认为医院存在诊疗过错，聚集在医院门诊"
            "大厅，情绪激动。",
            "要求医院公开病历、说明诊疗经过，并赔偿{amt}元。",
            "经医疗纠纷调委会组织专家分析，医院存在一定过错，一次性赔偿家属{amt}元，家属撤离医院",
            (80000, 450000),
            group=True,
            org="hospital",
        ),
        T(
            "{a}在{b}接受{op}手术后出现切口感染，需二次手术，额外花费医疗费{amt}元，认为医院术后护理不当。",
            "要求医院承担二次手术费用及误工费。",
            "医院减免二次手术费用，并补偿{a}误工费等共计{amt}元",
            (5000, 60000),
            org="hospital",
        ),
        T(
            "{a}在{b}镶牙后出现牙龈红肿疼痛，多次返修未果，要求退还治疗费{amt}元，诊所不同意。",
            "要求退还治疗费{amt}元。",
            "诊所退还{a}治疗费{amt}元，并为其免费转诊复查",
            (2000, 15000),
            org="clinic",
        ),
    ),
    "traffic": (
        T(
            "{a}驾驶电动自行车在{road}与{b}驾驶的小型轿车发生碰撞，{a}左腿骨折住院，交警认定{b}负主要责任，双方对"
            "赔偿数额分歧较大。",
            "要求{b}及保险公司赔偿医疗费、误工费、护理费等共计{amt}元。",
            "{b}及其投保的保险公司在责任限额内赔偿{a}各项损失共计{amt}元",
            (20000, 150000),
            place="{road}",
        ),
        T(
            "{a}与{b}驾驶的两辆货车在{road}发生追尾，车辆受损，双方对维修费用及停运损失的承担产生争议。",
            "要求{b}赔偿车辆维修费和停运损失{amt}元。",
            "双方按事故责任比例分担，{b}赔偿{a}车辆维修费及停运损失{amt}元",
            (5000, 50000),
            place="{road}",
        ),
        T(
            "{a}的母亲步行经过{road}时被{b}驾驶的三轮摩托车撞伤，{b}无驾驶证且车辆未投保，无力一次性赔偿。",
            "要求{b}赔偿医疗费等损失{amt}元。",
            "{b}当场支付部分赔偿款，余款{amt}元于年底前分期付清",
            (8000, 60000),
            place="{road}",
        ),
    ),
    "property_mgmt": (
        T(
            "{a}等{n}户业主反映，{b}服务的{estate}小区电梯频繁故障、绿化保洁长期无人管理，业主以此为由拒交物业费，"
            "物业公司停止部分服务，矛盾激化。",
            "要求物业公司整改服务质量，公开物业费收支情况。",
            "物业公司承诺更换电梯主要部件并每季度公示收支，业主按约缴纳物业费",
            group=True,
            org="property",
            place="{estate}小区",
            setting="urban",
        ),
        T(
            "{a}与{b}因物业费发生争执：{b}称{a}拖欠物业费{amt}元，{a}则称其家楼顶渗水多次报修，物业长期未处理。",
            "要求物业公司先维修楼顶渗水，再协商缴纳物业费。",
            "物业公司一周内完成楼顶防水维修，{a}补缴拖欠的物业费{amt}元",
            (1200, 6000),
            org="property",
            place="{estate}小区",
            setting="urban",
        ),
        T(
            "{a}反映其车辆停放在{estate}小区内被划伤，调取监控时{b}称监控损坏，双方对赔偿责任产生争议。",
            "要求物业公司赔偿车辆维修费{amt}元。",
            "物业公司承担部分责任，补偿{a}维修费{amt}元，并修复小区监控",
            (1000, 8000),
            org="property",
            place="{estate}小区",
            setting="urban",
        ),
    ),
    "environment": (
        T(
            "{v}{n}户村民反映，{b}臭味严重，粪污直排附近沟渠，影响村民生活和农田灌溉。",
            "要求养殖场治理粪污、达标排放，赔偿受污染农田的损失。",
            "养殖场限期建成粪污处理设施，补偿受影响农户损失共计{amt}元",
            (10000, 80000),
            group=True,
            org="farm",
            setting="rural",
        ),
        T(
            "{a}等居民反映，{b}在{v}附近夜间施工，噪音和粉尘严重扰民，多次投诉未解决。",
            "要求{b}停止夜间施工，采取降尘措施。",
            "{b}调整作业时间，22时至次日6时不再施工，并增设围挡和喷淋降尘设施",
            group=True,
            org="builder",
        ),
        T(
            "{a}反映邻近的{b}排放烟尘，导致其种植的{crop}减产，损失约{amt}元。",
            "要求{b}赔偿农作物损失{amt}元并整改排放。",
            "{b}赔偿{a}农作物损失{amt}元，并加装除尘设施",
            (3000, 30000),
            org="factory",
        ),
    ),
    "consumer": (
        T(
            "{a}在{b}购买的冰箱使用不到三个月即出现制冷故障，多次维修未果，商家拒绝退换。",
            "要求{b}退货退款{amt}元。",
            "{b}为{a}更换同型号新机，并补偿误工损失",
            (2500, 9000),
            org="shop",
        ),
        T(
            "{a}与{b}签订房屋装修合同，完工后出现墙面开裂、地砖空鼓等质量问题，{b}拒绝返修，{a}拒付尾款{amt}元。",
            "要求{b}返修并赔偿损失。",
            "{b}限期返修，{a}验收合格后支付尾款{amt}元",
            (8000, 40000),
            org="decorator",
        ),
        T(
            "{a}为孩子在{b}预交培训费{amt}元，培训机构突然停课，退费无门。",
            "要求{b}退还剩余课时费用{amt}元。",
            "{b}分两次退还{a}剩余培训费{amt}元",
            (3000, 20000),
            org="school",
        ),
    ),
    "private_lending": (
        T(
            "{a}于{year}年借给同村{b}人民币{amt}元，约定一年内归还，到期后{b}以资金周转困难为由拒不还款，双方多次"
            "发生争吵。",
            "要求{b}归还借款{amt}元及利息。",
            "{b}当场归还部分借款，剩余借款{amt}元分{k}期于年底前还清",
            (10000, 200000),
        ),
        T(
            "{a}为朋友{b}的银行贷款提供担保，{b}逾期未还，银行从{a}账户扣划{amt}元，{a}向{b}追偿未果。",
            "要求{b}偿还代偿款{amt}元。",
            "{b}签订还款承诺书，分期偿还{a}代偿款{amt}元",
            (20000, 150000),
        ),
        T(
            "{a}与{b}合伙经营{biz}，散伙后因账目结算发生纠纷，{a}称{b}尚欠其投资款及分红{amt}元。",
            "要求{b}结清合伙账目，返还投资款及分红{amt}元。",
            "经双方对账，{b}支付{a}投资款及分红{amt}元，合伙关系终止",
            (20000, 300000),
        ),
    ),
    "housing_delivery": (
        T(
            "{a}等{n}名购房户反映，{b}开发的{estate}项目已逾期{m}个月仍未交房，开发商未按合同支付逾期交房违约金。",
            "要求开发商明确交房时间，并按合同支付逾期交房违约金。",
            "开发商书面承诺交房时间，并按合同约定向购房户支付违约金",
            group=True,
            org="developer",
            place="{estate}项目",
        ),
        T(
            "{a}购买的{b}开发的{estate}商品房交付后，发现实测面积与合同约定误差超过3%，且小区配套与宣传不符。",
            "要求开发商退还面积差价款{amt}元。",
            "开发商按合同约定退还面积差价款{amt}元",
            (15000, 90000),
            org="developer",
            place="{estate}",
        ),
        T(
            "{a}等{n}户业主反映，{b}开发的{estate}已交房两年仍未办理不动产权证，影响子女入学和房屋交易。",
            "要求开发商尽快办理不动产权证。",
            "开发商补缴相关税费，住建、自然资源部门协同办理，承诺三个月内分批发证",
            group=True,
            org="developer",
            place="{estate}",
        ),
    ),
    "other": (
        T(
            "{a}反映其在{v}承包的鱼塘被{b}放养的鸭群闯入，导致鱼苗大量死亡，损失约{amt}元。",
            "要求{b}赔偿鱼苗损失{amt}元。",
            "{b}赔偿{a}鱼苗损失{amt}元，并承诺圈养鸭群",
            (2000, 20000),
            setting="rural",
        ),
        T(
            "{a}与{b}因{v}一口老井的使用和维修费用分摊问题发生争执，{b}在井口加锁，不让{a}家取水。",
            "要求{b}打开井锁，维修费用按户分摊。",
            "双方约定共同使用老井，维修费用按户平摊，{b}拆除井锁",
            setting="rural",
        ),
        T(
            "{a}的孩子在{v}被{b}饲养的犬只咬伤，注射狂犬疫苗等花费{amt}元，{b}不愿承担全部费用。",
            "要求{b}赔偿医疗费{amt}元，并拴养犬只。",
            "{b}赔偿{a}医疗费等共计{amt}元，并承诺文明养犬",
            (800, 5000),
        ),
    ),
}
CATEGORY_WEIGHTS = {
    "neighbourhood": 20,
    "marriage_family": 16,
    "labour": 11,
    "land_contract": 9,
    "private_lending": 7,
    "other": 7,
    "property_mgmt": 6,
    "traffic": 6,
    "consumer": 5,
    "expropriation": 4,
    "environment": 4,
    "medical": 3,
    "housing_delivery": 2,
}
# --- Seasons ---------------------------------------------------------------------------------------
#
# When disputes arise in a rural county, as the center's monthly analyses (月分析研判报告) describe
# it year after year. Each category follows one seasonal pattern; a day's weight for a pattern is
# its month's weight (the farming year) times the weight of the day's place around the Spring
# Festival (春节, 正月初一, a lunar date: 29 Jan 2025, 17 Feb 2026, 6 Feb 2027).
SEASON_OF = {
    "marriage_family": "family",
    "neighbourhood": "family",
    "land_contract": "land",
    "expropriation": "land",
    "labour": "wages",
    "private_lending": "wages",
}  # every other category: "other"
SEASON_NAMES = {"family": "婚姻家庭·邻里", "land": "土地·征地", "wages": "劳资·借贷", "other": "其他"}
# The farming year, January to December. Land: 春耕 (March–May: ploughing, transplanting, water
# for the paddies, boundaries walked again) and 秋收 (September–October: who harvests which field,
# 流转费 due). Wages and debts: summer is the slack season of claims; accounts are settled at the
# year's end (the weeks right before the festival are FESTIVAL below). Family and neighbours:
# summer evenings outdoors bring a few more quarrels.
MONTH_WEIGHTS = {
    "land": (1.0, 1.0, 1.6, 1.8, 1.5, 0.8, 0.7, 0.7, 1.3, 1.5, 0.9, 0.8),
    "family": (1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.1, 1.1, 1.0, 1.0, 0.9, 0.9),
    "wages": (1.0, 1.0, 1.0, 0.9, 0.9, 0.75, 0.7, 0.7, 0.9, 1.0, 1.1, 1.3),
    "other": (1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0),
}
# Around the Spring Festival: (first day, last day) counted from 正月初一 (day 0), and each
# pattern's weight then. Other days weigh 1.
FESTIVAL: tuple[tuple[int, int, dict[str, float]], ...] = (
    # 年底讨薪: contractors settle the year's wages before the festival, unpaid workers (and lenders)
    # press their claims in the six weeks before it.
    (-42, -8, {"wages": 2.6, "family": 1.15, "land": 1.1, "other": 1.0}),
    # 小年 to 除夕: the migrant workers are home; family, inheritance and boundary quarrels flare up.
    (-7, -1, {"wages": 2.0, "family": 1.8, "land": 1.8, "other": 0.9}),
    # The festival week itself: hardly anyone files anything.
    (0, 6, {"wages": 0.25, "family": 0.7, "land": 0.6, "other": 0.3}),
    # 正月, before the workers leave again: 承包地, 宅基地, support of parents are settled now.
    (7, 21, {"wages": 0.8, "family": 1.8, "land": 2.2, "other": 0.9}),
)
# Cases grow over the two years shown (the system has caught on): the last day weighs this much
# more than the first.
GROWTH = 0.5


def history_start(today: date) -> date:
    """The first day of the demo's cases: 1 January of last year."""
    return date(today.year - 1, 1, 1)


def spring_festival(year: int) -> date:
    """正月初一 of `year`, from the lunar calendar (python-holidays, as the working-day rules use it)."""
    return min(day for day, name in statutory_holidays(year).items() if name == "春节")


def season_weight(season: str, day: date) -> float:
    weight = MONTH_WEIGHTS[season][day.month - 1]
    for year in (day.year, day.year + 1):  # 年底讨薪 of next year's festival starts in December
        offset = (day - spring_festival(year)).days
        for first, last, weights in FESTIVAL:
            if first <= offset <= last:
                weight *= weights[season]
    return weight


class Seasons:
    """The demo's days from `history_start` to today, each weighted by its seasons: how likely a
    case is received that day, and of which category."""

    def __init__(self, today: date) -> None:
        first = history_start(today)
        self.days = [first + timedelta(days=i) for i in range((today - first).days + 1)]
        span = max(len(self.days) - 1, 1)
        self.category_weights: list[list[float]] = []
        totals = []
        for i, day in enumerate(self.days):
            seasons = {season: season_weight(season, day) for season in MONTH_WEIGHTS}
            weights = [w * seasons[SEASON_OF.get(c, "other")] for c, w in CATEGORY_WEIGHTS.items()]
            self.category_weights.append(weights)
            totals.append(sum(weights) * (1 + GROWTH * i / span))
        self.cumulative = list(accumulate(totals))
        # Walk-ins, calls and letters come to the desk on working days only.
        self.cumulative_working = list(
            accumulate(w if is_working_day(day) else 0 for w, day in zip(totals, self.days, strict=True))
        )

    def day(self, rng: random.Random, working: bool) -> int:
        """The index of a day drawn by its weight."""
        weights = self.cumulative_working if working else self.cumulative
        return rng.choices(range(len(self.days)), cum_weights=weights)[0]

    def category(self, rng: random.Random, index: int) -> str:
        return rng.choices(list(CATEGORY_WEIGHTS), weights=self.category_weights[index])[0]


# Lead units: "T-X" is the township's unit f"{township.prefix}-X", "C-X" the county's f"990101-X".
LEAD_UNITS: dict[str, tuple[tuple[str, int], ...]] = {
    "marriage_family": (("T-MED", 55), ("C-MED-FAMILY", 25), ("T-JUSTICE", 12), ("T-CENTER", 8)),
    "neighbourhood": (("T-MED", 55), ("T-JUSTICE", 15), ("T-POLICE", 15), ("T-CENTER", 15)),
    "land_contract": (("T-MED", 35), ("T-CENTER", 30), ("C-LAND", 20), ("T-JUSTICE", 15)),
    "labour": (("C-HRSS", 40), ("C-MED-LABOUR", 40), ("T-MED", 10), ("T-CENTER", 10)),
    "expropriation": (("C-LAND", 40), ("T-CENTER", 45), ("T-JUSTICE", 15)),
    "medical": (("C-MED-HEALTH", 85), ("T-MED", 15)),
    "traffic": (("C-MED-TRAFFIC", 70), ("T-POLICE", 30)),
    "property_mgmt": (("C-MED-PROPERTY", 60), ("T-MED", 25), ("C-HOUSING", 15)),
    "environment": (("T-CENTER", 50), ("T-MED", 30), ("T-POLICE", 20)),
    "consumer": (("C-MARKET", 70), ("T-MED", 30)),
    "private_lending": (("T-MED", 45), ("T-JUSTICE", 25), ("C-MED-LAWYER", 15), ("T-POLICE", 15)),
    "housing_delivery": (("C-HOUSING", 60), ("T-CENTER", 25), ("C-MED-LAWYER", 15)),
    "other": (("T-CENTER", 40), ("T-MED", 40), ("T-JUSTICE", 20)),
}
CO_UNITS: dict[str, tuple[str, ...]] = {
    "marriage_family": ("C-WOMEN", "T-JUSTICE", "T-POLICE", "C-CIVIL"),
    "neighbourhood": ("T-POLICE", "T-JUSTICE", "T-MED"),
    "land_contract": ("C-AGRI", "C-LAND", "T-JUSTICE"),
    "labour": ("C-UNION", "C-HRSS", "C-MED-LABOUR", "T-JUSTICE"),
    "expropriation": ("C-LAND", "T-JUSTICE", "C-PETITION", "T-POLICE"),
    "medical": ("C-HEALTH", "T-POLICE"),
    "traffic": ("T-POLICE", "C-TRANSPORT"),
    "property_mgmt": ("C-HOUSING", "T-MED", "T-CENTER"),
    "environment": ("C-AGRI", "T-MED", "C-MARKET"),
    "consumer": ("T-MED", "C-MARKET"),
    "private_lending": ("T-POLICE", "C-COURT", "C-MED-LAWYER"),
    "housing_delivery": ("C-LAND", "C-MARKET", "T-CENTER", "C-PETITION"),
    "other": ("T-MED", "T-POLICE", "C-AGRI"),
}
# Where parties are guided when mediation does not settle everything.
ROUTES: dict[str, tuple[tuple[str, ...], ...]] = {
    "labour": ((Route.ARBITRATION,), (Route.ARBITRATION, Route.LITIGATION)),
    "expropriation": ((Route.ADMIN_REVIEW,), (Route.ADMIN_REVIEW, Route.LITIGATION), (Route.PETITION,)),
    "land_contract": ((Route.ARBITRATION,), (Route.LITIGATION,)),
    "housing_delivery": ((Route.LITIGATION,), (Route.LITIGATION, Route.PETITION)),
}
CHANNEL_WEIGHTS = {
    Channel.VISIT: 28,
    Channel.PHONE: 8,
    Channel.LETTER: 2,
    Channel.GRID: 22,
    Channel.POLICE_110: 10,
    Channel.HOTLINE_12345: 14,
    Channel.ONLINE: 9,
    Channel.COURT: 4,
    Channel.NIGHT_VISIT: 3,
    Channel.PETITION: 2,
}
# 城关镇 (the county seat) and the two 街道 are the busiest.
TOWNSHIP_WEIGHTS = (16, 12, 11, 8, 8, 7, 7, 7, 6, 6, 5, 5)

# 小事不出村: the township center hands a small local dispute to the village (村/居委会, "V-VC") to
# mediate where its people live. How likely, per category (family, neighbours, land boundaries
# first), times a factor for the colour (a red case never stays in the village) and the
# township's own habit: some townships push small cases down to strong village committees, the
# county seat and the two 街道 keep more at their own mediation committees — so 小事不出村率
# differs from township to township as a leader would expect.
VILLAGE_FIRST = {
    "neighbourhood": 1.0,
    "marriage_family": 1.0,
    "land_contract": 1.0,
    "other": 0.9,
    "property_mgmt": 0.8,
    "private_lending": 0.8,
    "environment": 0.7,
    "consumer": 0.5,
}
VILLAGE_COLOUR = {"blue": 1.0, "yellow": 0.8, "red": 0.0}
TOWNSHIP_VILLAGE_HABIT = (0.6, 0.7, 0.75, 1.0, 1.0, 0.9, 0.65, 1.0, 0.85, 1.0, 0.8, 0.5)

_PROJECTS = (
    "城南安置小区",
    "{t}中心小学教学楼",
    "县城污水处理厂二期",
    "工业园区标准化厂房",
    "G351国道改扩建",
    "高铁站站前广场",
    "{t}农贸市场改造",
)
_ROADS = ("G351国道{t}段", "县道X012{v}路段", "{t}人民路与建设路交叉口", "省道S217{t}段", "{t}集镇农贸市场门口")
_CROPS = ("水稻", "玉米", "柑橘", "蔬菜", "茶叶", "油菜")
_BUSINESSES = ("农家乐", "生猪养殖场", "小超市", "货运车辆", "餐馆", "建材门市")
_OPERATIONS = ("阑尾切除", "胆囊切除", "骨折内固定", "疝修补")

_HOW = (
    "组织双方当事人面对面调解",
    "会同村（社区）干部和网格员上门调解",
    "邀请律师参与调解、释法明理",
    "联合属地派出所民警开展联合调解",
    "先分别做双方思想工作，再组织集中调解",
)
_PROGRESS_NOTES = (
    "已电话联系双方当事人，了解纠纷基本情况。",
    "到现场实地查看，调取相关合同、票据等材料。",
    "组织双方进行第一次调解，双方分歧较大，约定择日再调。",
    "联系村（社区）干部和网格员共同做当事人思想工作。",
    "邀请律师参与，向双方讲解相关法律规定。",
    "当事人情绪已稳定，正在协商具体方案。",
    "已与相关部门会商，明确了处理意见。",
)
_EVALUATE_NOTES = {
    Satisfaction.SATISFIED: ("电话回访当事人，对办理结果表示满意。", "当事人对调解员的工作表示感谢。"),
    Satisfaction.BASICALLY: ("当事人认为办理时间偏长，总体基本满意。", "当事人对结果基本认可。"),
    Satisfaction.DISSATISFIED: ("当事人认为赔偿数额过低，表示不满意。", "当事人称对方仍未履行，表示不满意。"),
}
_ARCHIVE_NOTES = (
    "回访当事人，协议已履行完毕，纠纷未复发。",
    "回访双方当事人，关系已缓和，无新的矛盾。",
    "电话回访，当事人表示问题已解决。",
)
_RETURN_NOTES = ("该纠纷不属于本单位职责范围，请中心另行分流。", "当事人户籍及纠纷发生地均不在本辖区，退回重新分流。")
_REJECTIONS = {
    RejectReason.IN_COURT: "告知当事人该纠纷已进入诉讼程序，请按人民法院的通知参加诉讼。",
    RejectReason.POLICE: "已由派出所依法处理，告知当事人可向派出所查询处理结果。",
    RejectReason.SPECIALISED: "告知当事人向县劳动人事争议仲裁委员会申请仲裁，并告知了仲裁时效。",
    RejectReason.NOT_DISPUTE: "系政策咨询，已当场解答，并告知可拨打12345热线进一步咨询。",
    RejectReason.DUPLICATE: "与在办案件重复，已告知当事人并入在办案件一并办理。",
    RejectReason.OTHER_AGENCY: "已由县市场监督管理局受理，告知当事人等候处理结果。",
}
_REJECT_REASONS = {
    Channel.POLICE_110: (RejectReason.POLICE, RejectReason.DUPLICATE),
    Channel.HOTLINE_12345: (RejectReason.NOT_DISPUTE, RejectReason.DUPLICATE, RejectReason.OTHER_AGENCY),
    Channel.ONLINE: (RejectReason.NOT_DISPUTE, RejectReason.DUPLICATE, RejectReason.SPECIALISED),
    Channel.GRID: (RejectReason.DUPLICATE, RejectReason.IN_COURT, RejectReason.NOT_DISPUTE),
    Channel.NIGHT_VISIT: (RejectReason.NOT_DISPUTE, RejectReason.DUPLICATE),
    Channel.COURT: (RejectReason.DUPLICATE,),
    Channel.PETITION: (RejectReason.DUPLICATE, RejectReason.SPECIALISED),
}


# --- The plan of one case ---------------------------------------------------------------------


@dataclass
class Plan:
    """Everything drawn for one case before it is written."""

    received_at: datetime
    channel: str
    township: Region
    village: Region
    grid: Grid
    category: str
    template: Template
    risk: str
    rejected: bool = False
    stop: str = ""  # the case stays in this state (stalled), whatever the date
    dissatisfied_hold: bool = False
    fields: dict = field(default_factory=dict)
    events: list[dict] = field(default_factory=list)
    parties: list[tuple[str, str, Person | None, str]] = field(default_factory=list)  # role, kind, person, org name
    co_units: list[Unit] = field(default_factory=list)
    county_desk: bool = False  # taken in at the county center's desk whatever the draw


class Context:
    """What the generator looks up: units by code, demo users, and the clock."""

    def __init__(self, county: Region, rng: random.Random, now: datetime) -> None:
        self.county, self.rng, self.now = county, rng, now
        self.tz = timezone.get_current_timezone()
        self.units = {u.code: u for u in Unit.objects.filter(code__startswith=county.prefix)}
        self.county_center = self.units[f"{county.prefix}-CENTER"]
        logins = User.objects.select_related("unit").filter(username__in=["county", "township", "police", "mediator"])
        users = {u.username: u for u in logins}
        self.county_user = users.get("county")
        self.township_user = users.get("township")  # the demo's 城关镇 center: it acts for its own township
        self.township_user_region = getattr(getattr(self.township_user, "unit", None), "region_id", None)
        # Demo logins that work in a handling unit act for it; other units' steps have no named actor.
        self.unit_users = {u.unit_id: u for u in users.values() if u.unit_id is not None}
        self.used_ids: set[str] = set()
        # Sign and handle limits by risk colour, from the time-limit matrix.
        book = LimitBook.from_database()
        risks = RiskLevel.objects.filter(code__in=RISK_CODES)
        self.limits = {
            r.code: {
                stage: book.limit(stage, level="", category_id=None, risk_level_id=r.pk)
                for stage in (Stage.SIGN, Stage.HANDLE)
            }
            for r in risks
        }
        self.used_phones: set[str] = set()
        self.seasons = Seasons(now.date())
        # Each township's place in the drawing order (TOWNSHIP_WEIGHTS, TOWNSHIP_VILLAGE_HABIT).
        self.township_order: dict[int, int] = {}

    def unit(self, key: str, township: Region) -> Unit:
        scope, suffix = key.split("-", 1)
        prefix = township.prefix if scope == "T" else self.county.prefix
        return self.units[f"{prefix}-{suffix}"]

    # --- Time ---------------------------------------------------------------------------------

    def moment(self, day: date, start: int = OPEN_MINUTE, end: int = CLOSE_MINUTE) -> datetime:
        minute = self.rng.randint(start, end - 1)
        return datetime.combine(day, time(minute // 60, minute % 60, self.rng.randint(0, 59)), self.tz)

    def _work_start(self, t: datetime) -> datetime:
        minute = t.hour * 60 + t.minute
        if is_working_day(t.date()) and OPEN_MINUTE <= minute < CLOSE_MINUTE:
            return t
        day = t.date() if is_working_day(t.date()) and minute < OPEN_MINUTE else add_working_days(t.date(), 1)
        return datetime.combine(day, time(OPEN_MINUTE // 60, OPEN_MINUTE % 60), self.tz)

    def office(self, t: datetime) -> datetime:
        """t, or the next moment the office is open (staff write notes at work)."""
        start = self._work_start(t)
        return start if start == t else start + timedelta(minutes=self.rng.randint(5, 120))

    def after_hours(self, t: datetime, low: float, high: float) -> datetime:
        """`low`–`high` hours of office time after t."""
        minutes = self.rng.uniform(low * 60, high * 60)
        t = self._work_start(t + timedelta(minutes=1))
        while True:
            close = datetime.combine(t.date(), time(CLOSE_MINUTE // 60, CLOSE_MINUTE % 60), self.tz)
            left = (close - t).total_seconds() / 60
            if minutes < left:
                return t + timedelta(minutes=minutes)
            minutes -= left
            day = add_working_days(t.date(), 1)
            t = datetime.combine(day, time(OPEN_MINUTE // 60, OPEN_MINUTE % 60), self.tz)

    def after_days(self, t: datetime, low: int, high: int) -> datetime:
        """A moment of office time `low`–`high` working days after t."""
        days = self.rng.randint(low, high)
        if days == 0:
            return self.after_hours(t, 0.5, 5)
        return max(self.moment(add_working_days(t.date(), days)), t + timedelta(minutes=1))


def _name(rng: random.Random, surname: str, sex: str) -> str:
    chars = _MALE if sex == "M" else _FEMALE
    given = rng.choice(chars) if rng.random() < 0.3 else rng.choice(chars) + rng.choice(chars)
    return surname + given


def _person(ctx: Context, village: Region, township: Region, *, surname: str = "", sex: str = "", age=(22, 72)):
    rng = ctx.rng
    sex = sex or rng.choice("MF")
    surname = surname or rng.choices(_SURNAMES, weights=_SURNAME_WEIGHTS)[0]
    today = ctx.now.date()
    while True:
        born = date(today.year - rng.randint(*age), 1, 1) + timedelta(days=rng.randint(0, 364))
        digit = rng.choice("13579" if sex == "M" else "02468")
        first17 = f"990101{born:%Y%m%d}{rng.randint(0, 99):02d}{digit}"
        id_number = first17 + id_check_digit(first17)
        if id_number not in ctx.used_ids:
            ctx.used_ids.add(id_number)
            break
    phone = _phone(ctx)
    if village.kind == Region.Kind.COMMUNITY:
        estate = rng.choice(_ESTATES) + rng.choice(_ESTATE_SUFFIXES)
        address = (
            f"{township.name}{village.name}{estate}{rng.randint(1, 18)}栋{rng.randint(1, 4)}单元"
            f"{rng.randint(1, 18)}0{rng.randint(1, 4)}室"
        )
    else:
        address = f"{township.name}{village.name}{rng.randint(1, 12)}组{rng.randint(1, 60)}号"
    return Person(_name(rng, surname, sex), id_number, phone, address)


def _phone(ctx: Context) -> str:
    while True:
        phone = ctx.rng.choice(_MOBILE_PREFIXES) + f"{ctx.rng.randint(0, 99_999_999):08d}"
        if phone not in ctx.used_phones:
            ctx.used_phones.add(phone)
            return phone


def _case_name(person: Person, suffix: str = "某") -> str:
    return person.name[0] + suffix


# --- Drawing the cases --------------------------------------------------------------------------


def _received_at(ctx: Context, channel: str, day: date) -> datetime:
    """A moment of `day` when such a channel brings a case in: office hours at the desk, any hour
    for 110, evenings for the night visits."""
    now = ctx.now
    if channel in DIRECT_CHANNELS:
        while not is_working_day(day):  # a court referral turned into a walk-in
            day -= timedelta(days=1)
        at = ctx.moment(day)
    elif channel == Channel.POLICE_110:
        at = ctx.moment(day, 0, 24 * 60)
    elif channel == Channel.NIGHT_VISIT:
        at = ctx.moment(day, 19 * 60, 22 * 60)
    else:
        at = ctx.moment(day, 7 * 60, 23 * 60)
    while at > now - timedelta(minutes=45):
        at -= timedelta(days=1)
        if channel in DIRECT_CHANNELS:
            while not is_working_day(at.date()):
                at -= timedelta(days=1)
    return at


def _stall(rng: random.Random, age: float) -> tuple[str, bool]:
    """Some cases stop moving: never signed, handled for months, never reached for evaluation,
    return visit overdue, dissatisfied and waiting for the center's decision. Nothing older than
    a year is still open (a county clears its old cases), so last year is closed and archived."""
    chances: list[tuple[str, float, bool]] = []
    if age < 30:
        chances += [(E.REGISTERED, 0.02, False), (E.PENDING_REVIEW, 0.03, False)]
    if 10 <= age <= 150:
        chances.append((E.DISPATCHED, 0.012, False))
    if 20 <= age <= 365:
        chances.append((E.IN_PROGRESS, 0.045 if age <= 200 else 0.01, False))
    if age < 90:
        chances.append((E.CLOSED, 0.02, False))
    if 45 < age < 150:
        chances.append((E.EVALUATED, 0.03, False))
    if 10 < age < 60:
        chances.append((E.EVALUATED, 0.03, True))
    r = rng.random()
    for stop, chance, dissatisfied in chances:
        if r < chance:
            return stop, dissatisfied
        r -= chance
    return "", False


def _risk(rng: random.Random, category: str, template: Template) -> str:
    red, yellow = 0.06, 0.24
    if template.group or category in ("expropriation", "housing_delivery", "medical"):
        red, yellow = 0.2, 0.45
    r = rng.random()
    return "red" if r < red else "yellow" if r < red + yellow else "blue"


def _fits(template: Template, village: Region) -> bool:
    if template.setting == "rural":
        return village.kind == Region.Kind.VILLAGE
    if template.setting == "urban":
        return village.kind == Region.Kind.COMMUNITY
    return True


def _draw(ctx: Context, townships: list[Region], villages: dict, grids: dict) -> Plan:
    rng = ctx.rng
    township = rng.choices(townships, weights=TOWNSHIP_WEIGHTS[: len(townships)])[0]
    village = rng.choice(villages[township.pk])
    channel = rng.choices(list(CHANNEL_WEIGHTS), weights=list(CHANNEL_WEIGHTS.values()))[0]
    day = ctx.seasons.day(rng, working=channel in DIRECT_CHANNELS)
    while True:  # a dispute of the season that fits the place: no 承包地 in a 社区, no 物业 in a 村
        category = ctx.seasons.category(rng, day)
        fitting = [t for t in TEMPLATES[category] if _fits(t, village)]
        if fitting:
            template = rng.choice(fitting)
            break
    if channel == Channel.COURT and category in ("environment", "expropriation", "housing_delivery"):
        channel = Channel.VISIT
    plan = Plan(
        received_at=_received_at(ctx, channel, ctx.seasons.days[day]),
        channel=channel,
        township=township,
        village=village,
        grid=rng.choice(grids[village.pk]),
        category=category,
        template=template,
        risk=_risk(rng, category, template),
    )
    age = (ctx.now - plan.received_at).total_seconds() / 86400
    plan.rejected = channel not in DIRECT_CHANNELS and rng.random() < 0.05
    if not plan.rejected:
        plan.stop, plan.dissatisfied_hold = _stall(rng, age)
    return plan


SPIKE_SIZE, SPIKE_DAYS = 3, 6  # the warning scan's default 高发 rule is 3 cases in 7 days


def _spike(ctx: Context, plans: list[Plan], grids: dict) -> None:
    """A village where one kind of dispute broke out this week (同类纠纷短期高发): the last
    SPIKE_SIZE walk-ins of the past SPIKE_DAYS days, moved to the first one's village and category,
    so the demo's warning list shows a spike the county's real rule finds."""
    since = ctx.now - timedelta(days=SPIKE_DAYS)
    recent = [p for p in plans if p.received_at > since and p.channel in DIRECT_CHANNELS and not p.stop]
    if len(recent) < SPIKE_SIZE:
        return
    first, *others = recent[-SPIKE_SIZE:]
    for plan in others:
        fitting = [t for t in TEMPLATES[first.category] if _fits(t, first.village)]
        plan.township, plan.village, plan.category = first.township, first.village, first.category
        plan.grid = ctx.rng.choice(grids[first.village.pk])
        plan.template = ctx.rng.choice(fitting)
        plan.risk = _risk(ctx.rng, plan.category, plan.template)


def _group_at_county(ctx: Context, plans: list[Plan]) -> None:
    """A group of villagers who came to the county center this fortnight instead of their township
    (越级集体访), for the warning scan's 越级 rule: the newest group dispute of the past 14 days
    that was not left at the desk becomes a walk-in at the county desk."""
    since = ctx.now - timedelta(days=14)
    groups = [p for p in plans if p.received_at > since and p.template.group and not p.stop]
    if groups:
        groups[-1].channel, groups[-1].county_desk = Channel.VISIT, True


# --- Parties, summary, place ----------------------------------------------------------------------


class People:
    """The county's citizens as the demo meets them: mostly new faces, and in each township a few
    who come back again and again (重点人员)."""

    def __init__(self, ctx: Context, townships: list[Region], villages: dict, grids: dict, scale: int) -> None:
        self.ctx, self.grids = ctx, grids
        self.regulars: dict[int, list[tuple[Person, Region]]] = {}
        for township in townships:
            homes = ctx.rng.choices(villages[township.pk], k=3 * scale)
            self.regulars[township.pk] = [(_person(ctx, home, township), home) for home in homes]

    def applicant(self, plan: Plan) -> Person:
        rng, t = self.ctx.rng, plan.template
        if not t.kin and rng.random() < 0.07:
            person, home = rng.choice(self.regulars[plan.township.pk])
            if rng.random() < 0.7 and _fits(t, home):  # mostly a dispute at home
                plan.village, plan.grid = home, rng.choice(self.grids[home.pk])
            return person
        return _person(self.ctx, plan.village, plan.township, sex=t.a_sex, age=t.a_age)

    def respondent(self, plan: Plan, applicant: Person) -> Person:
        rng, t = self.ctx.rng, plan.template
        if not t.kin and rng.random() < 0.03:
            regular, _home = rng.choice(self.regulars[plan.township.pk])
            if regular != applicant:
                return regular
        surname = applicant.name[0] if t.kin else ""
        return _person(self.ctx, plan.village, plan.township, surname=surname, sex=t.b_sex)


def _org_name(ctx: Context, kind: str, plan: Plan) -> str:
    pattern = ctx.rng.choice(_ORGS[kind])
    return pattern.format(x=ctx.rng.choice(_BRANDS), t=plan.township.name, v=plan.village.name)


def _describe(ctx: Context, people: People, plan: Plan) -> None:
    """Parties, summary, demands, amount, place and flags of the case."""
    rng, t = ctx.rng, plan.template
    applicant = people.applicant(plan)
    plan.parties.append((Party.Role.APPLICANT, Party.Kind.PERSON, applicant, ""))
    if t.group or rng.random() < 0.15:
        second = _person(ctx, plan.village, plan.township)
        plan.parties.append((Party.Role.APPLICANT, Party.Kind.PERSON, second, ""))
    if t.org:
        org = _org_name(ctx, t.org, plan)
        plan.parties.append((Party.Role.RESPONDENT, Party.Kind.ORGANISATION, None, org))
        b = org
    else:
        respondent = people.respondent(plan, applicant)
        plan.parties.append((Party.Role.RESPONDENT, Party.Kind.PERSON, respondent, ""))
        b = _case_name(respondent, "某乙" if t.kin else "某")
    a = _case_name(applicant, "某甲" if t.kin else "某")

    amount = None
    if t.amount:
        low, high = t.amount
        step = 100 if high <= 50000 else 1000
        amount = rng.randrange(low // step, high // step + 1) * step
    n = rng.randint(5, 48) if t.group else len(plan.parties) + (rng.random() < 0.2)
    village = plan.village.name
    values = {
        "a": a,
        "b": b,
        "amt": amount or "",
        "n": n,
        "m": rng.randint(2, 14),
        "v": village,
        "t": plan.township.name,
        "year": plan.received_at.year - rng.randint(1, 5),
        "cm": rng.randint(15, 60),
        "mu": f"{rng.randint(2, 25) / 10:g}",
        "x": rng.randrange(400, 1000, 50),
        "k": rng.randint(2, 6),
        "days": rng.choice((10, 15, 20, 30)),
        "small": rng.randrange(300, 850, 50),
        "crop": rng.choice(_CROPS),
        "biz": rng.choice(_BUSINESSES),
        "op": rng.choice(_OPERATIONS),
        "estate": rng.choice(_ESTATES) + rng.choice(_ESTATE_SUFFIXES),
    }
    values["proj"] = rng.choice(_PROJECTS).format(**values)
    values["road"] = rng.choice(_ROADS).format(**values)
    plan.fields.update(
        summary=t.summary.format(**values),
        demands=t.demands.format(**values),
        people_involved=n,
        amount=Decimal(amount) if amount else None,
        place=t.place.format(**values) if t.place else _place(rng, plan.village),
    )
    plan.fields["resolution"] = t.resolution.format(**values)
    criminal_prone = plan.category in ("neighbourhood", "marriage_family", "land_contract", "private_lending")
    plan.fields["may_turn_criminal"] = (plan.risk == "red" and rng.random() < 0.4) or (
        criminal_prone and rng.random() < 0.03
    )
    plan.fields["major_emergency"] = plan.risk == "red" and rng.random() < 0.25


def _place(rng: random.Random, village: Region) -> str:
    if village.kind == Region.Kind.COMMUNITY:
        return f"{village.name}{rng.choice(_ESTATES)}{rng.choice(_ESTATE_SUFFIXES)}{rng.randint(1, 18)}栋"
    return f"{village.name}{rng.randint(1, 12)}组"


def _source_ref(rng: random.Random, channel: str, received: datetime) -> str:
    day = f"{received:%Y%m%d}"
    if channel == Channel.HOTLINE_12345:
        return f"12345-{day}{rng.randint(1000, 9999)}"
    if channel == Channel.POLICE_110:
        return f"J{day}{rng.randint(10000, 99999)}"
    if channel == Channel.COURT:
        return f"（{received.year}）示0101诉前调{rng.randint(1, 999)}号"
    if channel == Channel.ONLINE:
        return f"MSB{day}{rng.randint(10000, 99999)}"
    if channel == Channel.GRID:
        return f"WG{day}{rng.randint(1000, 9999)}"
    if channel == Channel.PETITION:
        return f"XF{day}{rng.randint(1000, 9999)}"
    return ""


# --- The workflow, step by step ---------------------------------------------------------------------


def _village_first(ctx: Context, plan: Plan) -> float:
    """The chance that the center hands this case to the village committee (VILLAGE_FIRST)."""
    if plan.template.group:
        return 0.0
    habit = TOWNSHIP_VILLAGE_HABIT[ctx.township_order.get(plan.township.pk, 0) % len(TOWNSHIP_VILLAGE_HABIT)]
    return VILLAGE_FIRST.get(plan.category, 0.0) * VILLAGE_COLOUR.get(plan.risk, 0.0) * habit


def _lead(ctx: Context, plan: Plan, avoid: Unit | None = None) -> Unit:
    rng = ctx.rng
    village = ctx.units.get(f"{plan.village.code}-VC")
    if village is not None and village != avoid and rng.random() < _village_first(ctx, plan):
        return village
    if plan.channel == Channel.POLICE_110 and rng.random() < 0.4:
        key = "T-POLICE"
    elif plan.channel == Channel.COURT and rng.random() < 0.6:
        key = "C-MED-COURT"
    else:
        options = LEAD_UNITS[plan.category]
        key = rng.choices([k for k, _w in options], weights=[w for _k, w in options])[0]
    unit = ctx.unit(key, plan.township)
    if unit == avoid:
        unit = ctx.unit("T-CENTER" if key != "T-CENTER" else "T-MED", plan.township)
    return unit


def _co_units(ctx: Context, plan: Plan, lead: Unit) -> list[Unit]:
    rng = ctx.rng
    if rng.random() >= (0.5 if plan.template.group or plan.risk == "red" else 0.12):
        return []
    candidates = [ctx.unit(key, plan.township) for key in CO_UNITS[plan.category]]
    candidates = [u for u in dict.fromkeys(candidates) if u != lead]
    return rng.sample(candidates, min(len(candidates), rng.choice((1, 1, 2))))


def _outcome(ctx: Context, plan: Plan, unit: Unit) -> tuple[str, str, str]:
    rng = ctx.rng
    r = rng.random()
    good = 0.84 if plan.risk != "red" else 0.7
    outcome = Outcome.RESOLVED if r < good else Outcome.PARTIAL if r < good + 0.07 else Outcome.FAILED
    resolution = plan.fields["resolution"]
    if outcome == Outcome.RESOLVED:
        return outcome, "", f"{unit.name}{rng.choice(_HOW)}，{resolution}，双方签订人民调解协议书，纠纷化解。"
    routes = rng.choice(ROUTES.get(plan.category, ((Route.LITIGATION,),)))
    labels = "、".join(str(Route(r).label).removeprefix("引导") for r in routes)
    if outcome == Outcome.PARTIAL:
        text = (
            f"{unit.name}{rng.choice(_HOW)}，双方就部分事项达成一致（{resolution}），其余争议未能达成一致，"
            f"已引导当事人通过{labels}途径解决。"
        )
    else:
        text = (
            f"经{unit.name}{rng.randint(2, 4)}次组织调解，双方分歧较大，未能达成调解协议，已告知当事人通过{labels}"
            f"途径依法解决，并落实属地稳控措施。"
        )
    return outcome, ",".join(routes), text


def _satisfaction(rng: random.Random, outcome: str, round_: int) -> str:
    odds = {Outcome.RESOLVED: (0.76, 0.2), Outcome.PARTIAL: (0.45, 0.4), Outcome.FAILED: (0.3, 0.45)}[outcome]
    r = rng.random()
    if r < odds[0]:
        return Satisfaction.SATISFIED
    if r < odds[0] + odds[1] or round_ >= 1:
        return Satisfaction.BASICALLY
    return Satisfaction.DISSATISFIED


def _walk(ctx: Context, plan: Plan) -> None:
    """Take the case through the workflow until now (or until it stalls), as the services would."""
    rng, now = ctx.rng, ctx.now
    f = plan.fields
    f.update(
        lead_unit=None,
        handle_due=None,
        sign_due=None,
        dispatched_at=None,
        signed_at=None,
        reported_at=None,
        closed_at=None,
        outcome="",
        routes="",
        outcome_summary="",
        satisfaction="",
        evaluated_at=None,
        visited_at=None,
        archived_at=None,
        reopen_count=0,
        reject_reason="",
        reject_route="",
    )
    drawn = rng.random()
    if plan.channel == Channel.COURT or plan.county_desk or drawn < 0.1:
        intake_unit = ctx.county_center
    else:
        intake_unit = ctx.unit("T-CENTER", plan.township)
    center = ctx.county_user
    if intake_unit != ctx.county_center and ctx.township_user_region == plan.township.pk:
        center = ctx.township_user
    f.update(intake_unit=intake_unit, registered_by=center, source_ref=_source_ref(rng, plan.channel, plan.received_at))
    center_unit = getattr(center, "unit", None) or intake_unit
    state = {"status": E.SUBMITTED}

    def emit(action: str, at: datetime, actor: User | None, by_unit: Unit | None, to: str = "", note: str = "", **data):
        before = state["status"]
        if to:
            state["status"] = to
        plan.events.append(
            {
                "action": action,
                "at": at,
                "actor": actor,
                "actor_unit": by_unit,
                # As services._record writes it: a submission names only where it arrived.
                "from_status": before if to and action != A.SUBMIT else "",
                "to_status": to,
                "note": note,
                "data": data,
            }
        )

    def handler(unit: Unit) -> User | None:
        return ctx.unit_users.get(unit.pk)

    # 统一受理: walk-ins, calls and letters are registered at the desk; the rest wait for acceptance.
    if plan.channel in DIRECT_CHANNELS:
        t = plan.received_at + timedelta(minutes=rng.randint(3, 30))
        emit(A.REGISTER, t, center, center_unit, to=E.REGISTERED)
    else:
        t = plan.received_at + timedelta(minutes=rng.randint(1, 20))
        emit(A.SUBMIT, t, center, center_unit, to=E.SUBMITTED)
    if f["may_turn_criminal"]:
        police = ctx.unit("T-POLICE", plan.township)
        t += timedelta(seconds=rng.randint(5, 50))
        emit(A.NOTIFY_POLICE, t, center, center_unit, note=police.name, unit=police.pk)
    if (f["people_involved"] >= 5 or f["major_emergency"]) and center_unit != ctx.county_center:
        t += timedelta(seconds=rng.randint(5, 50))
        emit(A.REPORT_UPWARD, t, center, center_unit, note=ctx.county_center.name, unit=ctx.county_center.pk)
    if state["status"] == E.SUBMITTED:
        if plan.stop == E.SUBMITTED:
            return
        t = ctx.after_hours(t, 0.2, 14 if rng.random() < 0.85 else 30)
        if t > now:
            return
        if plan.rejected:
            reason = rng.choice(_REJECT_REASONS[plan.channel])
            f.update(reject_reason=reason, reject_route=_REJECTIONS[reason])
            emit(A.REJECT, t, center, center_unit, to=E.REJECTED, note=_REJECTIONS[reason], reason=reason)
            return
        emit(A.ACCEPT, t, center, center_unit, to=E.REGISTERED)

    limits = ctx.limits[plan.risk]
    returned = False
    previous_lead = None
    # 当场化解: some small walk-ins and calls are settled at the desk (about one in twelve, chosen by
    # the receipt time), then rated, visited and archived like any closed case.
    settle_now = (
        plan.channel in SETTLE_CHANNELS
        and plan.risk == "blue"
        and not plan.template.group
        and not plan.county_desk
        and plan.stop in ("", E.CLOSED, E.EVALUATED)
        and int(plan.received_at.timestamp()) % 100 < 8
    )
    while True:
        if settle_now:
            # 当场化解 at the desk, as services.settle_case writes it: registered and closed at once.
            settle_now, lead, outcome = False, None, Outcome.RESOLVED
            t += timedelta(minutes=rng.randint(5, 40))
            if t > now:
                return
            summary = "经窗口调解，双方当场达成一致，已当面说和。"
            f.update(outcome=outcome, routes="", outcome_summary=summary, reported_at=t, closed_at=t)
            emit(A.SETTLE, t, center, center_unit, to=E.CLOSED, note=summary, outcome=outcome, routes=[], handle_due="")
            if plan.stop == E.CLOSED:
                return
        else:
            # 分流转办 (中心吹哨)
            if plan.stop == E.REGISTERED:
                return
            t = ctx.after_hours(t, 0.1, 2) if plan.risk == "red" else ctx.after_hours(t, 0.3, rng.choice((4, 8, 20)))
            if t > now:
                return
            lead = _lead(ctx, plan, avoid=previous_lead)
            co_units = _co_units(ctx, plan, lead)
            due = add_limit(t.date(), limits[Stage.HANDLE].amount, limits[Stage.HANDLE].unit)
            f.update(
                lead_unit=lead, handle_due=due, dispatched_at=t, signed_at=None, sign_due=limits[Stage.SIGN].deadline(t)
            )
            plan.co_units = co_units
            note = (
                "红色风险，请立即签收，做好稳控。" if plan.risk == "red" else rng.choice(("", "", "请按期办结并反馈。"))
            )
            emit(
                A.DISPATCH,
                t,
                center,
                center_unit,
                to=E.DISPATCHED,
                note=note,
                lead_unit=lead.name,
                co_units=[u.name for u in co_units],
                due=due.isoformat(),
                sign_due=f["sign_due"].isoformat(),  # as dispatch_case records it (及时签收)
                handle_due=due.isoformat(),  # the deadline in effect, as each deadline step records it (在办超期)
            )
            if plan.stop == E.DISPATCHED:
                return
            if not returned and rng.random() < 0.02:
                # 退回中心: the unit says it is not theirs; the center dispatches it again.
                t = ctx.after_hours(t, 0.5, 12)
                if t > now:
                    return
                returned, previous_lead = True, lead
                f.update(lead_unit=None, handle_due=None, signed_at=None, sign_due=None)
                plan.co_units = []
                emit(
                    A.RETURN,
                    t,
                    handler(lead),
                    lead,
                    to=E.REGISTERED,
                    note=rng.choice(_RETURN_NOTES),
                    unit=lead.name,
                    handle_due="",
                )
                continue

            # 签收 (部门报到): at once for red cases, within a working day otherwise, sometimes late.
            if plan.risk == "red":
                t = ctx.after_hours(t, 0.1, 1.8)
            else:
                t = ctx.after_hours(t, 0.2, 8) if rng.random() < 0.93 else ctx.after_hours(t, 10, 30)
            if t > now:
                return
            f["signed_at"] = t
            emit(A.SIGN, t, handler(lead), lead, to=E.IN_PROGRESS)

            # 办理: most within the limit, some late, some stuck for months.
            if plan.stop == E.IN_PROGRESS:
                report_at = None
            elif rng.random() < 0.1:
                report_at = ctx.after_hours(t, 1, 7)
            else:
                share = rng.uniform(1.05, 1.8) if rng.random() < 0.08 else rng.triangular(0.08, 1.0, 0.3)
                days = max(1, round(limits[Stage.HANDLE].amount * share))
                report_at = ctx.after_days(t, days, days)
            end = min(report_at or now, now)
            notes = rng.choice((0, 1, 1, 2, 2)) if (end - t).days >= 2 or report_at is None else rng.choice((0, 0, 1))
            for at in sorted(ctx.office(t + (end - t) * rng.uniform(0.05, 0.85)) for _ in range(notes)):
                if t < at < end:
                    emit(A.PROGRESS, at, handler(lead), lead, note=rng.choice(_PROGRESS_NOTES))
                    t = at
            if report_at is None or report_at > now:
                return
            t = report_at

            # 办结反馈, perhaps sent back once by the center.
            outcome, routes, summary = _outcome(ctx, plan, lead)
            f.update(outcome=outcome, routes=routes, outcome_summary=summary, reported_at=t)
            emit(
                A.REPORT,
                t,
                handler(lead),
                lead,
                to=E.PENDING_REVIEW,
                note=summary,
                outcome=outcome,
                routes=routes.split(",") if routes else [],
            )
            if plan.stop == E.PENDING_REVIEW:
                return
            if rng.random() < 0.04:
                t = ctx.after_hours(t, 0.5, 16)
                if t > now:
                    return
                emit(
                    A.SEND_BACK,
                    t,
                    center,
                    center_unit,
                    to=E.IN_PROGRESS,
                    note="办结材料不全，请补充调解协议书及当事人签字确认材料。",
                )
                t = ctx.after_days(t, 1, 4)
                if t > now:
                    return
                f["reported_at"] = t
                emit(
                    A.REPORT,
                    t,
                    handler(lead),
                    lead,
                    to=E.PENDING_REVIEW,
                    note=summary,
                    outcome=outcome,
                    routes=routes.split(",") if routes else [],
                )

            # 审核通过 → 已办结
            t = ctx.after_hours(t, 0.5, 20)
            if t > now:
                return
            f["closed_at"] = t
            due = f.get("handle_due")
            emit(A.APPROVE, t, center, center_unit, to=E.CLOSED, handle_due=due.isoformat() if due else "")
            if plan.stop == E.CLOSED:
                return

        # 群众评价 by phone
        t = ctx.after_days(t, 1, 5)
        if t > now:
            return
        satisfaction = (
            Satisfaction.DISSATISFIED if plan.dissatisfied_hold else _satisfaction(rng, outcome, f["reopen_count"])
        )
        f.update(satisfaction=satisfaction, evaluated_at=t)
        emit(
            A.EVALUATE,
            t,
            center,
            center_unit,
            to=E.EVALUATED,
            note=rng.choice(_EVALUATE_NOTES[satisfaction]),
            satisfaction=satisfaction,
        )
        if plan.stop == E.EVALUATED:
            return

        # 不满意 → 重新办理; otherwise the return visit (回访) N days after closure, as its own step,
        # then 归档 (a visit that finds the dispute back reopens it, as services.record_visit does).
        visited = False
        if satisfaction == Satisfaction.DISSATISFIED:
            t = ctx.after_days(t, 1, 5)
            reason = "当事人对处理结果不满意，要求重新调处。"
        else:
            day = f["closed_at"].date() + timedelta(days=rng.randint(*RETURN_VISIT_DAYS))
            while not is_working_day(day):
                day += timedelta(days=1)
            t = max(ctx.moment(day), t + timedelta(minutes=1))
            came_back = not f["reopen_count"] and rng.random() < 0.015
            if t > now:
                return
            note = "当事人反映纠纷再次发生。" if came_back else rng.choice(_ARCHIVE_NOTES)
            method = VisitMethod.PHONE if rng.random() < 0.8 else VisitMethod.HOME
            f["visited_at"] = t
            emit(
                A.VISIT,
                t,
                center,
                center_unit,
                note=note,
                method=method,
                visited_on=timezone.localtime(t).date().isoformat(),
                visitor=str(center) if center else "",
                came_back=came_back,
            )
            visited = True
            reason = f"回访发现纠纷复发：{note}" if came_back else ""
        if t > now:
            return
        if reason:
            f.update(
                reopen_count=f["reopen_count"] + 1,
                lead_unit=None,
                handle_due=None,
                sign_due=None,
                signed_at=None,
                reported_at=None,
                closed_at=None,
                evaluated_at=None,
                visited_at=None,
                outcome="",
                routes="",
                satisfaction="",
            )
            plan.co_units = []
            previous_lead = lead
            emit(A.REOPEN, t + timedelta(seconds=1), center, center_unit, to=E.REGISTERED, note=reason, handle_due="")
            continue
        # 归档 half an hour after the visit is written up (a visit of the last half hour waits: 待归档).
        assert visited
        t += timedelta(minutes=30)
        if t > now:
            return
        f["archived_at"] = t
        emit(A.ARCHIVE, t, center, center_unit, to=E.ARCHIVED, note="回访未复发，案结事了，归档。")
        return


# --- Writing --------------------------------------------------------------------------------------


_VERSIONED = {A.ACCEPT, A.REJECT, A.DISPATCH, A.SIGN, A.RETURN, A.REPORT, A.APPROVE, A.SEND_BACK, A.EVALUATE}
_VERSIONED |= {A.SETTLE, A.VISIT, A.ARCHIVE, A.REOPEN}


def _numbers(plans: list[Plan], county: Region) -> dict[tuple[int, int], int]:
    """Give each case its number in order of receipt, after the last one used per township and year;
    returns the new last number per (township id, year)."""
    last: dict[tuple[int, int], int] = defaultdict(int)
    for row in CaseSequence.objects.filter(township__code__startswith=county.prefix):
        last[(row.township_id, row.year)] = row.last
    codes = {}
    for plan in plans:
        codes[plan.township.code[6:9]] = plan.township.pk
    for number in Case.objects.filter(township__code__startswith=county.prefix).values_list("number", flat=True):
        year, code, seq = [*number.split("-"), "", ""][:3]
        if code in codes and year.isdigit() and seq.isdigit():
            key = (codes[code], int(year))
            last[key] = max(last[key], int(seq))
    touched = {}
    for plan in plans:
        key = (plan.township.pk, plan.received_at.year)
        last[key] += 1
        touched[key] = last[key]
        plan.fields["number"] = f"{key[1]}-{plan.township.code[6:9]}-{last[key]:05d}"
    return touched


def _key_persons(rows: list[tuple[Party, datetime]]) -> list[tuple[Party, datetime]]:
    """重点人员 as intake lists them (disputes.key_persons): a person whose ID number or phone
    appears in three or more cases within a year is listed, once, from the case that made it so."""
    seen: dict[str, list[datetime]] = defaultdict(list)
    listed: set[str] = set()
    marked = []
    for party, received in sorted(rows, key=lambda row: row[1]):
        keys = [k for k in (party.id_number_index, party.phone_index) if k]
        earlier = {at for k in keys for at in seen[k] if at >= received - timedelta(days=365)}
        if party.kind == Party.Kind.PERSON and len(earlier) + 1 >= KEY_PERSON_CASES_PER_YEAR and not listed & set(keys):
            marked.append((party, received))
            listed.update(keys)
        for k in keys:
            seen[k].append(received)
    return marked


def seed_cases(county: Region, *, scale: int = 1, now: datetime | None = None) -> int:
    """Create demo cases since `history_start` until the county holds CASES_PER_SCALE × scale;
    return how many were created (none on a second run)."""
    target = CASES_PER_SCALE * scale
    existing = Case.objects.filter(township__code__startswith=county.prefix).count()
    if existing >= target:
        return 0
    rng = random.Random(SEED + scale)
    ctx = Context(county, rng, timezone.localtime(now or timezone.now()))
    townships = list(Region.objects.within(county).townships().order_by("code"))
    villages: dict[int, list[Region]] = defaultdict(list)
    for village in Region.objects.within(county).villages().order_by("code"):
        villages[village.parent_id].append(village)
    grids: dict[int, list[Grid]] = defaultdict(list)
    for grid in Grid.objects.within(county).order_by("code"):
        grids[grid.village_id].append(grid)
    townships = [t for t in townships if villages[t.pk] and all(grids[v.pk] for v in villages[t.pk])]
    ctx.township_order = {t.pk: i for i, t in enumerate(townships)}
    categories = {c.code: c for c in Category.objects.filter(code__in=list(TEMPLATES))}
    risks = {r.code: r for r in RiskLevel.objects.filter(code__in=RISK_CODES)}

    plans = [_draw(ctx, townships, villages, grids) for _ in range(target - existing)]
    plans.sort(key=lambda p: p.received_at)
    # The newest submissions and walk-ins are still at the desk: 待受理 and 待分流 are never empty.
    fresh_submitted = [p for p in reversed(plans) if p.channel not in DIRECT_CHANNELS][:3]
    fresh_registered = [p for p in reversed(plans) if p.channel in DIRECT_CHANNELS][:2]
    for plan in fresh_submitted:
        plan.rejected, plan.stop = False, E.SUBMITTED
    for plan in fresh_registered:
        plan.stop = E.REGISTERED

    _spike(ctx, plans, grids)
    _group_at_county(ctx, plans)
    people = People(ctx, townships, villages, grids, scale)
    for plan in plans:
        _describe(ctx, people, plan)
        _walk(ctx, plan)
    touched = _numbers(plans, county)

    cases = []
    for plan in plans:
        f = plan.fields
        last = plan.events[-1]
        case = Case(
            number=f["number"],
            status=next((e["to_status"] for e in reversed(plan.events) if e["to_status"]), E.SUBMITTED),
            version=1 + sum(1 for e in plan.events if e["action"] in _VERSIONED),
            channel=plan.channel,
            source_ref=f["source_ref"],
            received_at=plan.received_at,
            intake_unit=f["intake_unit"],
            registered_by=f["registered_by"],
            township=plan.township,
            village=plan.village,
            grid=plan.grid,
            place=f["place"],
            category=categories[plan.category],
            risk_level=risks[plan.risk],
            people_involved=f["people_involved"],
            amount=f["amount"],
            summary=f["summary"],
            demands=f["demands"],
            may_turn_criminal=f["may_turn_criminal"],
            major_emergency=f["major_emergency"],
            lead_unit=f["lead_unit"],
            dispatched_at=f["dispatched_at"],
            handle_due=f["handle_due"],
            sign_due=f["sign_due"],
            signed_at=f["signed_at"],
            reported_at=f["reported_at"],
            closed_at=f["closed_at"],
            outcome=f["outcome"],
            routes=f["routes"],
            outcome_summary=f["outcome_summary"],
            satisfaction=f["satisfaction"],
            evaluated_at=f["evaluated_at"],
            visited_at=f["visited_at"],
            archived_at=f["archived_at"],
            reopen_count=f["reopen_count"],
            reject_reason=f["reject_reason"],
            reject_route=f["reject_route"],
        )
        case._history_date = last["at"]
        case._history_user = f["registered_by"]
        cases.append(case)
    cases = bulk_create_with_history(cases, Case, batch_size=BATCH_SIZE)

    parties: list[tuple[Party, datetime]] = []
    events, links = [], []
    through = Case.co_units.through
    for plan, case in zip(plans, cases, strict=True):
        for role, kind, person, org in plan.parties:
            party = Party(case_id=case.pk, role=role, kind=kind, name=person.name if person else org)
            if person:
                party.address = person.address
                party.set_identifiers(id_number=person.id_number, phone=person.phone)
            elif ctx.rng.random() < 0.6:
                party.set_identifiers(id_number="", phone=_phone(ctx))
            party._history_date = plan.events[0]["at"]
            party._history_user = case.registered_by
            parties.append((party, plan.received_at))
        for e in plan.events:
            events.append(
                CaseEvent(
                    case_id=case.pk,
                    action=e["action"],
                    actor=e["actor"],
                    actor_unit=e["actor_unit"],
                    at=e["at"],
                    from_status=e["from_status"],
                    to_status=e["to_status"],
                    note=e["note"],
                    data=e["data"],
                )
            )
        links += [through(case_id=case.pk, unit_id=unit.pk) for unit in plan.co_units]
    bulk_create_with_history([p for p, _at in parties], Party, batch_size=BATCH_SIZE)
    township_of = {case.pk: case.township_id for case in cases}
    register = [
        KeyPerson(
            party=party,
            case_id=party.case_id,
            township_id=township_of[party.case_id],
            name=party.name,
            id_number_index=party.id_number_index,
            phone_index=party.phone_index,
            source=KeyPerson.Source.RULE,
            reason="一年内涉及3件及以上纠纷",
            marked_at=received,
        )
        for party, received in _key_persons(parties)
    ]
    bulk_create_with_history(register, KeyPerson, batch_size=BATCH_SIZE)
    CaseEvent.objects.bulk_create(events, batch_size=2000)
    through.objects.bulk_create(links, batch_size=2000)

    for (township_id, year), last in touched.items():
        CaseSequence.objects.update_or_create(township_id=township_id, year=year, defaults={"last": last})
    return len(cases)
