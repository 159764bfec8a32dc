"""The sheet page in a real browser: the agent appeals from the page, the supervisor answers it from the list."""

import subprocess
import sys
import textwrap

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ROOT, Server, demo_copy, login, shot

pytestmark = pytest.mark.browser

# The bad chat, played through the services on the demo's 信天捷快递 by its agent who is 就绪,
# ending a minute before the server's clock.
PLAY = textwrap.dedent(
    """
    import django
    django.setup()
    from datetime import timedelta
    from kefu.accounts.models import User
    from kefu.brands.models import Brand
    from kefu.chat import presence, services
    from kefu.timeutil import local_now
    from tests.qa.conftest import BAD

    brand = Brand.objects.get(code="xintianjie")
    agent = User.objects.filter(team__brands=brand, role="agent").order_by("agent_no").first()
    assert presence.current_state(agent) == "ready", presence.current_state(agent)
    t0 = local_now() - timedelta(minutes=15)
    session = services.chat_start(brand=brand, visitor_name="张先生", phone="13905910007", at=t0)
    for n, (who, seconds, text) in enumerate(BAD):
        at = t0 + timedelta(seconds=seconds)
        if who == "c":
            services.chat_customer_message(session=session, client_id=f"c-{n}", body=text, at=at)
        elif who == "claim":
            services.offer_claim(offer_id=session.offers.get().pk, agent=agent, at=at)
        elif who == "a":
            services.chat_agent_reply(session=session, agent=agent, body=text, client_id=f"a-{n}", at=at)
        else:
            services.chat_end(session=session, actor=agent, at=at)
    session.refresh_from_db()
    print(agent.username, session.score_sheet.pk)
    """
)


@pytest.fixture
def qa_server(tmp_path, tmp_path_factory):
    srv = Server(tmp_path)
    demo_copy(tmp_path_factory, srv)
    out = subprocess.run(
        [sys.executable, "-c", PLAY],
        env={**srv.env, "DJANGO_SETTINGS_MODULE": "kefu.settings", "PYTHONPATH": str(ROOT)},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    srv.agent, sheet = out.stdout.split()[-2:]
    srv.sheet = int(sheet)
    srv.start()
    yield srv
    srv.kill()


def test_the_agent_appeals_and_the_supervisor_answers_on_the_sheet_page(qa_server, browser):
    ctx = browser.new_context(viewport={"width": 1440, "height": 1100}, locale="zh-CN")
    page = ctx.new_page()
    login(page, qa_server.url, qa_server.agent)
    page.goto(f"{qa_server.url}/qa/{qa_server.sheet}/")
    expect(page.locator(".qa-score .big")).to_contain_text("73")
    expect(page.locator(".qa-items tr.ded")).to_have_count(4)
    expect(page.locator(".qa-turns .marked")).to_have_count(2)  # 你好，请问有什么事？ and the last reply
    page.select_option(".qa-form select[name=item]", label="第4句 首次回复及时（−5）")
    page.fill(".qa-form textarea[name=reason]", "客户在队列中等了 11 分钟，我接入后 90 秒内就回复了。")
    page.click("text=提交申诉")
    expect(page.locator(".flash")).to_contain_text("申诉已提交")
    expect(page.locator(".qa-appeal")).to_contain_text("等待主管答复")

    sup = browser.new_context(viewport={"width": 1440, "height": 1100}, locale="zh-CN").new_page()
    login(sup, qa_server.url, "supervisor")
    sup.goto(f"{qa_server.url}/qa/?show=appealed")
    expect(sup.locator(".qa-list tbody tr")).to_have_count(1)
    shot(sup, "qa-list.png")
    sup.click(".qa-list a:has-text('答复申诉')")
    expect(sup.locator(".qa-form").first).to_contain_text("答复申诉")
    shot(sup, "qa-sheet.png")
    sup.fill(".qa-form >> nth=0 >> input[name=deduction]", "0")
    sup.fill(
        ".qa-form >> nth=0 >> textarea[name=reason]",
        "属实：排队超时是排班问题，不计坐席；等待后未致歉的扣分维持。",
    )
    sup.click("button:has-text('答复申诉')")
    expect(sup.locator(".flash")).to_contain_text("已答复申诉")
    expect(sup.locator(".qa-score .big")).to_contain_text("78")
    expect(sup.locator(".qa-appeal")).to_contain_text("改判")
    sup.goto(f"{qa_server.url}/qa/?show=appealed")
    expect(sup.locator(".qa-list tbody")).to_contain_text("没有符合条件的评分表")
