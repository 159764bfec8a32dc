"""A living contact center for a first look: brands, teams, agents, customers and a few hundred tickets."""

import random
from datetime import datetime, time, timedelta

from django.db import transaction

from kefu.accounts.models import ApiToken, Department, Team, User
from kefu.brands.models import Brand
from kefu.chat import demo as chat_demo
from kefu.cliargs import integer
from kefu.command import KefuCommand
from kefu.customers.services import customer_create
from kefu.express import demo as express_demo
from kefu.tickets import services
from kefu.tickets.models import Channel, TicketType
from kefu.tickets.rules import Status
from kefu.timeutil import local_now

PASSWORD = "kefu12345"
BRANDS = [
    # code, name, greeting name, hotline, profile, service hours
    ("xintianjie", "信天捷快递", "信天捷快递", "400-820-1234", "xintianjie", (time(8), time(22))),
    ("bufan", "不凡商城", "不凡商城", "400-650-8888", "bufan", (time(9), time(21))),
    ("oufei", "欧飞", "欧飞", "400-700-5050", "oufei", (time(0), time(0))),
    ("fangbiao", "方标电信", "方标电信", "400-100-1000", "fangbiao", (time(8), time(20))),
    ("xinying", "新颖装饰", "新颖装饰", "400-900-6666", "xinying", (time(9), time(18))),
]
AGENTS = [
    ("1001", "王芳"),
    ("1002", "李娜"),
    ("1003", "张伟"),
    ("1004", "刘洋"),
    ("1005", "陈静"),
    ("1006", "杨磊"),
]
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰红"
COMPANIES = [
    "福清电子科技有限公司",
    "海峡贸易有限公司",
    "闽江服饰有限公司",
    "融侨建材有限公司",
    "东南印务有限公司",
]
SUBJECTS = {  # by ticket type code
    "consult": [
        "询问国庆期间是否正常收件",
        "咨询到付运费怎么计算",
        "咨询会员积分使用规则",
        "咨询宽带资费套餐",
    ],
    "order": ["电话订购两箱福建茶叶", "订购家庭宽带 300M 套餐", "订购客厅装修设计服务"],
    "query": ["查询快件物流进度", "快件三天没有更新记录", "查询订单发货时间", "没有单号想查寄出的快件"],
    "complaint": ["业务员服务态度差", "快件延误五天未送达", "收到的快件外包装破损", "重复来电催促仍未处理"],
    "suggestion": ["建议增加周末派送时段", "建议短信通知包含预计送达时间"],
    "praise": ["表扬业务员送件及时热情", "表扬客服耐心解答"],
    "claim": ["快件丢失申请理赔", "易碎品破损要求赔偿", "内件数量不符申请理赔"],
    "pickup": ["预约明天上午上门取件", "公司月结客户批量寄件取件"],
    "repair": ["宽带无法上网报修", "新装修卫生间漏水报修"],
    "follow_up": ["售后服务满意度回访", "装修完工质量回访"],
    "order_confirm": ["在线订单确认收货地址", "在线订单发票抬头确认"],
    "callback": ["回复客户关于退货进度的留言", "回复延误快件的查询结果"],
}


class Command(KefuCommand):
    help = "载入演示数据：品牌、班组、坐席、客户和数百张工单 (含超时工单)"

    def add_arguments(self, parser):
        parser.add_argument(
            "--tickets",
            type=integer(minimum=0, maximum=100_000),
            default=300,
            metavar="N",
            help="工单数量 (默认 300)",
        )
        parser.add_argument("--seed", type=int, default=20261124, help="随机数种子 (同一种子生成同样的数据)")

    def handle(self, *args, tickets: int, seed: int, **options):
        if Brand.objects.exists():
            self.stdout.write("演示数据已存在，跳过。")
            self.print_logins()
            return
        rng = random.Random(seed)
        with transaction.atomic():
            brands = [self.make_brand(*row) for row in BRANDS]
            agents, supervisor = self.make_people(brands)
            customers = self.make_customers(rng, brands)
        self.make_tickets(rng, tickets, customers, agents, supervisor)
        breached = services.sla_sweep()
        self.stdout.write(
            self.style.SUCCESS(
                f"已载入演示数据：{len(brands)} 个品牌，{len(customers)} 位客户，"
                f"{tickets} 张工单，其中 {breached} 项时限已超时。"
            )
        )
        self.stdout.write(chat_demo.load(self.stdout, rng))
        self.stdout.write(express_demo.load(self.stdout, rng))
        self.print_logins()

    def make_brand(self, code, name, greeting, hotline, profile, hours):
        return Brand.objects.create(
            code=code,
            name=name,
            greeting_name=greeting,
            hotline=hotline,
            profile=profile,
            service_start=hours[0],
            service_end=hours[1],
        )

    def make_people(self, brands):
        express = Team.objects.create(name="快递热线组", max_on_break=1)
        express.brands.set([b for b in brands if b.code == "xintianjie"])
        retail = Team.objects.create(name="电商与综合组", max_on_break=1)
        retail.brands.set([b for b in brands if b.code != "xintianjie"])
        User.objects.create_superuser(
            "admin", password=PASSWORD, display_name="系统管理员", role=User.Role.ADMIN
        )
        supervisor = User.objects.create_user(
            "supervisor",
            password=PASSWORD,
            display_name="赵主管",
            agent_no="1000",
            role=User.Role.SUPERVISOR,
            team=express,
            is_staff=True,
        )
        # The demo's one supervisor leads the express team and oversees the other brands too (access.brands_for).
        supervisor.granted_brands.set([b for b in brands if b.code != "xintianjie"])
        agents = []
        for i, (no, name) in enumerate(AGENTS):
            agents.append(
                User.objects.create_user(
                    f"agent{no}",
                    password=PASSWORD,
                    display_name=name,
                    agent_no=no,
                    team=express if i < 3 else retail,
                )
            )
        ApiToken.objects.create(user=supervisor, name="演示", key="demo-supervisor-token")
        return agents, supervisor

    def make_customers(self, rng, brands):
        customers, phones = [], set()
        for i in range(90):
            brand = brands[i % len(brands)]
            while (phone := f"1{rng.choice('3589')}{rng.randrange(10**9):09d}") in phones:
                pass
            phones.add(phone)
            company = rng.choice(COMPANIES) if i % 6 == 0 else ""
            customers.append(
                customer_create(
                    brand=brand,
                    name=rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice([1, 2]))),
                    phone=phone,
                    gender=rng.choice(["male", "female"]),
                    company=company,
                    contract_code=f"YJ{2026000 + i}" if company else "",
                    title="经理" if company and i % 12 == 0 else "",
                    vip_level=rng.choice([0, 0, 0, 0, 1, 2, 3]),
                )
            )
        return customers

    def make_tickets(self, rng, count, customers, agents, supervisor):
        # Types whose tickets come from their own records (问题件 from a reported parcel) are left out.
        types = [t for t in TicketType.objects.all() if t.code in SUBJECTS]
        departments = list(Department.objects.all())
        now = local_now()
        for i in range(count):
            customer = rng.choice(customers)
            ticket_type = rng.choice(types)
            age = (
                timedelta(minutes=rng.randrange(5, 14 * 24 * 60))
                if i % 10
                else timedelta(minutes=rng.randrange(1, 25))
            )
            at = now - age
            ticket = services.ticket_create(
                brand=customer.brand,
                type=ticket_type,
                customer=customer,
                actor=rng.choice(agents),
                channel=rng.choice([c.value for c in Channel]),
                subject=rng.choice(SUBJECTS[ticket_type.code]),
                description="客户来电反映情况，已记录。",
                at=at,
                waybill_number=f"XTJ{rng.randrange(10**12):012d}"
                if customer.brand.code == "xintianjie"
                else "",
            )

            def step(minutes: int, start=at) -> datetime:
                return min(now, start + timedelta(minutes=minutes))

            fate = rng.random()
            if fate < 0.15:
                continue  # still new, some of them past their clock
            agent = rng.choice(
                [a for a in agents if a.team.brands.filter(pk=customer.brand_id).exists()] or agents
            )
            services.ticket_assign(ticket=ticket, agent=agent, actor=supervisor, at=step(2))
            if fate < 0.3:
                continue
            services.ticket_reply(
                ticket=ticket,
                actor=agent,
                at=step(rng.randrange(3, 60)),
                body="您好，您反映的问题我已经记录下来了，我们会尽快为您处理。",
            )
            if fate < 0.45:
                services.ticket_hand_off(
                    ticket=ticket,
                    department=rng.choice(departments),
                    actor=agent,
                    promise="三个工作日内给您回复",
                    at=step(70),
                )
            elif fate < 0.55:
                services.ticket_transition(
                    ticket=ticket, to=Status.WAITING_CUSTOMER, actor=agent, at=step(70), note="请客户补充单号"
                )
            elif fate < 0.6 and not ticket_type.is_complaint:
                services.ticket_convert_to_complaint(
                    ticket=ticket, actor=agent, at=step(80), reason="客户对查询结果不满意，要求投诉"
                )
            elif fate < 0.65:
                services.ticket_escalate(
                    ticket=ticket, supervisor=supervisor, actor=agent, at=step(75), reason="客户要求主管处理"
                )
            else:
                services.ticket_transition(ticket=ticket, to=Status.RESOLVED, actor=agent, at=step(90))
                if fate > 0.8:
                    services.ticket_transition(ticket=ticket, to=Status.CLOSED, actor=agent, at=step(24 * 60))

    def print_logins(self):
        self.stdout.write(
            "登录 http://127.0.0.1:8000/login/ ，演示账号 (密码均为 kefu12345)：\n"
            "  admin       系统管理员 (后台管理 /admin/)\n"
            "  supervisor  赵主管 工号 1000 (主管监控 /desk/supervisor/)\n"
            "  agent1001…agent1006  坐席 工号 1001–1006 (坐席工作台 /desk/)\n"
            "  客户在线客服：/chat/xintianjie/\n"
            "  快递业务：/express/ (查询、问题件、理赔、投诉、有发无到、取件；主管另有数据导入、月结)\n"
            "  API 令牌：Authorization: Bearer demo-supervisor-token"
        )
