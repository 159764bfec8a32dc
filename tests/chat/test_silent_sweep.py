"""A visitor who opens the chat page and never says anything is nobody's work: after the rulebook's time the
conversation ends, with the phrasebook's sentence, and the live sessions are the ones spoken in."""

from datetime import timedelta

import pytest


@pytest.mark.django_db
def test_a_visit_silent_past_the_rulebooks_time_ends_with_its_sentence(cast, chat_start):
    from kefu.chat import rules
    from kefu.chat.services import chat_silent_sweep
    from kefu.timeutil import local_now

    limit = timedelta(seconds=rules.setting("silent_visit_end_seconds"))
    t0 = local_now()
    silent = chat_start(first=None, visitor_name="路人", at=t0)
    spoke = chat_start(first="在吗？", visitor_name="李先生", at=t0)
    newer = chat_start(first=None, at=t0 + limit)

    assert chat_silent_sweep(at=t0 + limit - timedelta(seconds=1)) == 0
    assert chat_silent_sweep(at=t0 + limit + timedelta(seconds=1)) == 1
    assert chat_silent_sweep(at=t0 + limit + timedelta(seconds=2)) == 0  # once, however many workers run it
    silent.refresh_from_db()
    assert (silent.state, silent.ended_at, silent.ticket) == (
        "ended",
        t0 + limit + timedelta(seconds=1),
        None,
    )
    said = silent.messages.order_by("-seq").first()
    assert said.sender == "system" and "长时间没有收到您的消息，本次会话已结束" in said.body
    for session in (spoke, newer):  # one the customer spoke in, one not silent for long enough
        session.refresh_from_db()
        assert session.state == "waiting"


def test_the_sweep_runs_every_minute():
    from kefu.jobs.sweeps import SWEEPS

    assert "kefu.chat.services.chat_silent_sweep" in SWEEPS
