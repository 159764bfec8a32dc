"""Two agents click the same offered chat at the same moment: exactly one gets it, the other is told who did."""

import threading

import pytest
from django.db import connection


@pytest.mark.django_db(transaction=True)
def test_two_agents_claiming_the_same_chat_exactly_one_wins(cast, chat_start, ready):
    from kefu.accounts.models import User
    from kefu.chat.models import ChatSession, Offer
    from kefu.chat.services import offer_claim
    from kefu.errors import Conflict

    second = User.objects.create_user(
        "agent_a2", password="pw-123456", agent_no="2011", display_name="周敏", team=cast.team_a
    )
    ready(cast.agent_a)
    ready(second)
    session = chat_start(visitor_name="王先生", phone="13800138000")
    offer = Offer.objects.get(session=session)

    barrier = threading.Barrier(2)
    results: dict[str, str] = {}

    def claim(agent):
        try:
            barrier.wait()
            offer_claim(offer_id=offer.pk, agent=agent)
            results[agent.username] = "won"
        except Conflict as exc:
            results[agent.username] = exc.message
        finally:
            connection.close()

    threads = [threading.Thread(target=claim, args=(a,)) for a in (cast.agent_a, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    winners = [name for name, outcome in results.items() if outcome == "won"]
    assert len(winners) == 1, results
    loser_message = next(outcome for outcome in results.values() if outcome != "won")
    winner = User.objects.get(username=winners[0])
    # the chat was given to the agent idle longest: the other is told it was taken, or whose it is
    assert loser_message in (f"该任务已被 {winner} 接起", f"该任务已分配给 {winner}")
    offer.refresh_from_db()
    assert offer.claimed_by == winner
    session = ChatSession.objects.get(pk=session.pk)
    assert session.agent == winner and session.ticket.assignee == winner
    # the ticket history shows one assignment only
    assert session.ticket.events.filter(kind="assigned").count() == 1


@pytest.mark.django_db
def test_an_agent_not_ready_cannot_claim(cast, chat_start):
    from kefu.chat.models import Offer
    from kefu.chat.presence import agent_sign_in
    from kefu.chat.services import offer_claim
    from kefu.errors import Conflict

    agent_sign_in(agent=cast.agent_a)
    session = chat_start(visitor_name="王先生")
    with pytest.raises(Conflict, match="就绪"):
        offer_claim(offer_id=Offer.objects.get(session=session).pk, agent=cast.agent_a)


@pytest.mark.django_db
def test_an_agent_of_another_brand_cannot_claim(cast, chat_start, ready):
    from kefu.chat.models import Offer
    from kefu.chat.services import offer_claim
    from kefu.errors import PermissionDenied

    ready(cast.agent_b)
    session = chat_start(visitor_name="王先生")
    with pytest.raises(PermissionDenied):
        offer_claim(offer_id=Offer.objects.get(session=session).pk, agent=cast.agent_b)
