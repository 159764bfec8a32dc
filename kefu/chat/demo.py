"""Demo part of live chat: agents' status logs, finished chats with score sheets and ratings, and a waiting chat."""

from datetime import timedelta

from kefu.accounts.models import User
from kefu.brands.models import Brand
from kefu.brands.rules import identity_hash
from kefu.brands.selectors import script_context
from kefu.chat import presence, services
from kefu.chat.rules import AgentState
from kefu.customers.services import customer_find_or_create
from kefu.standards import scripts
from kefu.timeutil import local_now

CONVERSATIONS = [
    (
        "王建国",
        "13905910001",
        "male",
        ["你好，我的快递三天没有更新了，单号 XTJ202611240001", "好的，谢谢"],
        5,
        "回复很及时，态度很好",
    ),
    (
        "李秀英",
        "13905910002",
        "female",
        ["收到的快件外包装破损了，怎么办？", "那我等你们消息"],
        4,
        "希望尽快处理",
    ),
    ("陈志强", "13905910003", "male", ["月结客户，明天上午能上门取件吗？"], 3, ""),
]


def load(stdout, rng) -> str:
    now = local_now()
    brand = Brand.objects.filter(code="xintianjie").first() or Brand.objects.first()
    if brand is None:
        return "在线客服：没有品牌，跳过"
    agents = list(
        User.objects.filter(agent_no__isnull=False, role=User.Role.AGENT, team__brands=brand).order_by(
            "agent_no"
        )
    )
    if not agents:
        return "在线客服：没有坐席，跳过"
    start = now - timedelta(hours=3)
    for i, agent in enumerate(agents):
        presence.agent_sign_in(agent=agent, at=start + timedelta(minutes=i))
    finished = 0
    for n, (name, phone, gender, lines, rating, comment) in enumerate(CONVERSATIONS):
        agent = agents[n % len(agents)]
        at = start + timedelta(minutes=20 + n * 30)
        presence.agent_set_status(agent=agent, status=AgentState.READY, at=at)
        customer_find_or_create(brand=brand, name=name, phone=phone, gender=gender)
        # The brand's website signs who is logged in (README: 在线客服的客户身份验证): the chat is theirs.
        session = services.chat_start(
            brand=brand,
            visitor_name=name,
            identifier=phone,
            identity_hash=identity_hash(brand.identity_secret, phone),
            at=at,
        )
        ctx = script_context(brand, at=at, channel="chat", agent_no=agent.agent_no)
        # kefu greets, gives the agent's 工号 and closes on the agent's behalf: the agent only answers.
        t = at
        for k, line in enumerate(lines):
            t += timedelta(seconds=30)
            services.chat_customer_message(session=session, client_id=f"demo-c{k}", body=line, at=t)
            if k == 0:  # the first words put the chat in the queue; the agent takes it
                offer = session.offers.get()
                services.offer_claim(offer_id=offer.pk, agent=agent, at=t + timedelta(seconds=10))
            t += timedelta(seconds=25)
            answer = (
                "您好，您反映的问题我已经记录下来了，我帮您核实一下，稍后给您回复。"
                if k == 0
                else scripts.render("anything_else", ctx)
            )
            services.chat_agent_reply(session=session, agent=agent, body=answer, client_id=f"demo-a{k}", at=t)
        t += timedelta(seconds=20)
        services.chat_end(session=session, actor=agent, at=t + timedelta(seconds=5))
        services.chat_rate(session=session, score=rating, comment=comment, at=t + timedelta(seconds=30))
        finished += 1
    # One agent on break, one ready, and a customer still waiting in the queue.
    presence.agent_set_status(agent=agents[0], status=AgentState.READY, at=now - timedelta(minutes=30))
    if len(agents) > 1:
        presence.agent_set_status(agent=agents[1], status=AgentState.BREAK, at=now - timedelta(minutes=8))
    for agent in agents[2:]:
        presence.agent_sign_out(agent=agent, at=now - timedelta(minutes=5))
    customer_find_or_create(brand=brand, name="赵丽华", phone="13905910009", gender="female", vip_level=2)
    waiting = services.chat_start(
        brand=brand,
        visitor_name="赵女士",
        identifier="13905910009",
        identity_hash=identity_hash(brand.identity_secret, "13905910009"),
        at=now - timedelta(minutes=2),
    )
    services.chat_customer_message(
        session=waiting,
        client_id="demo-w1",
        body="请问国庆期间正常收件吗？",
        at=now - timedelta(minutes=2) + timedelta(seconds=10),
    )
    return f"在线客服：{finished} 个已评价的会话，1 位客户排队中，{min(len(agents), 2)} 位坐席在线"
