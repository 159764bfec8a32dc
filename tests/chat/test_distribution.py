"""Automatic distribution: waiting chats go to the agent idle longest who has room, most urgent first; an
assignment not taken in time goes to the next agent and is logged; a brand's own team first, the others after its
overflow wait; under concurrency no chat is given twice and no agent goes above capacity."""

import threading
from datetime import timedelta

import pytest
from django.db import connection

from kefu.accounts.models import User
from kefu.chat.distribution import distribute, loads, offer_assign, offers_expire
from kefu.chat.models import ChatSession, Offer, OfferAssignment
from kefu.errors import Conflict, PermissionDenied
from kefu.timeutil import local_now
from tests.conftest import SUITE_CLOCK


def agent(cast, name, no, team=None):
    return User.objects.create_user(name, password="pw-123456", agent_no=no, team=team or cast.team_a)


def offer_of(session) -> Offer:
    return Offer.objects.get(session=session)


def test_chats_go_to_the_agent_idle_longest_up_to_each_ones_capacity_most_urgent_first(
    cast, chat_start, ready
):
    cast.team_a.chat_capacity = 2
    cast.team_a.save()
    second = agent(cast, "agent_a2", "2011")
    ready(cast.agent_a)
    ready(second)
    sessions = [chat_start(visitor_name=f"客户{i}") for i in range(5)]
    urgent = offer_of(sessions[4])
    Offer.objects.filter(pk=urgent.pk).update(priority=1)  # a complaint, or a VIP: before the older chats

    assert distribute() == 4
    given = {o.session_id: o.assigned_to for o in Offer.objects.filter(assigned_to__isnull=False)}
    assert given[sessions[4].pk] == cast.agent_a  # the urgent one first, to the agent idle longest
    assert given[sessions[0].pk] == second  # then the oldest, to the one idle longest now
    assert given[sessions[1].pk] == cast.agent_a and given[sessions[2].pk] == second
    assert sessions[3].pk not in given  # nobody has room: it waits
    assert loads([cast.agent_a.pk, second.pk]) == {cast.agent_a.pk: 2, second.pk: 2}
    assert distribute() == 0  # nothing changes a second time


def test_only_the_agent_it_is_given_to_takes_it_and_a_full_agent_takes_nothing_more(cast, chat_start, ready):
    from kefu.chat.services import offer_claim

    cast.team_a.chat_capacity = 1
    cast.team_a.save()
    second = agent(cast, "agent_a2", "2011")
    ready(cast.agent_a)
    first_chat, second_chat = chat_start(visitor_name="王先生"), chat_start(visitor_name="李女士")
    distribute()
    mine = offer_of(first_chat)
    assert offer_of(first_chat).assigned_to == cast.agent_a and offer_of(second_chat).assigned_to is None

    ready(second)
    distribute()
    assert offer_of(second_chat).assigned_to == second
    with pytest.raises(Conflict, match="已分配给"):
        offer_claim(offer_id=offer_of(second_chat).pk, agent=cast.agent_a)
    offer_claim(offer_id=mine.pk, agent=cast.agent_a)
    third = chat_start(visitor_name="赵先生")  # waiting for anyone, but agent_a is full (1 live chat)
    with pytest.raises(Conflict, match="上限"):
        offer_claim(offer_id=offer_of(third).pk, agent=cast.agent_a)
    outcomes = OfferAssignment.objects.filter(offer=mine).values_list("agent__username", "outcome")
    assert list(outcomes) == [(cast.agent_a.username, "accepted")]


def test_an_assignment_not_taken_in_time_goes_to_the_next_agent_and_is_logged(cast, chat_start, ready):
    cast.team_a.accept_seconds = 20
    cast.team_a.save()
    second = agent(cast, "agent_a2", "2011")
    ready(cast.agent_a)
    ready(second)
    session = chat_start(visitor_name="王先生")
    now = local_now()
    distribute(at=now)
    offer = offer_of(session)
    assert offer.assigned_to == cast.agent_a and offer.accept_by == now + timedelta(seconds=20)

    assert offers_expire(at=now + timedelta(seconds=19)) == 0  # still within its time
    assert offers_expire(at=now + timedelta(seconds=21)) == 1
    distribute(at=now + timedelta(seconds=21))
    assert offer_of(session).assigned_to == second
    log = OfferAssignment.objects.filter(offer=offer).order_by("assigned_at", "id")
    assert [(a.agent, a.outcome) for a in log] == [(cast.agent_a, "expired"), (second, "pending")]
    assert log[0].ended_at == now + timedelta(seconds=21)

    # the second lets it pass too: it comes back to the first rather than wait for nobody
    offers_expire(at=now + timedelta(seconds=42))
    distribute(at=now + timedelta(seconds=42))
    assert offer_of(session).assigned_to == cast.agent_a


def test_a_brand_offers_its_own_team_first_and_the_others_after_its_overflow_wait(cast, chat_start, ready):
    from kefu.accounts.models import Team

    cast.brand_a.overflow_after_seconds = 60
    cast.brand_a.save()
    helpers = Team.objects.create(name="支援组")
    helpers.brands.set([cast.brand_a])
    helper = agent(cast, "helper", "3001", team=helpers)
    ready(helper)  # the brand's own team (A 组) has nobody ready
    session = chat_start(visitor_name="王先生")
    start = offer_of(session).created_at
    assert distribute(at=start + timedelta(seconds=59)) == 0
    assert distribute(at=start + timedelta(seconds=61)) == 1
    assert offer_of(session).assigned_to == helper


def test_a_supervisor_gives_waiting_work_to_an_agent_by_hand(cast, chat_start, ready, api_sup, api_a):
    second = agent(cast, "agent_a2", "2011")
    ready(cast.agent_a)
    ready(second)
    session = chat_start(visitor_name="王先生")
    distribute()
    offer = offer_of(session)
    assert offer.assigned_to == cast.agent_a
    listed = api_a.get("/chat/offers").json()
    assert [(o["id"], o["assigned_to"]) for o in listed] == [(offer.pk, "2001")]

    moved = api_sup.post(f"/chat/offers/{offer.pk}/assign", {"agent_no": "2011"})
    assert moved.status_code == 200 and moved.json()["assigned_to"] == "2011", moved.content
    log = OfferAssignment.objects.filter(offer=offer).order_by("id")
    assert [(a.agent, a.outcome, a.assigned_by) for a in log] == [
        (cast.agent_a, "withdrawn", None),
        (second, "pending", cast.supervisor),
    ]
    nobody = api_sup.post(f"/chat/offers/{offer.pk}/assign", {"agent_no": "9999"})
    assert nobody.status_code == 404 and "9999" in nobody.json()["message"]
    # an agent does not move other people's work
    assert api_a.post(f"/chat/offers/{offer.pk}/assign", {"agent_no": "2001"}).status_code == 403
    with pytest.raises(PermissionDenied):
        offer_assign(offer_id=offer.pk, agent=cast.agent_a, actor=second)


def test_a_chat_that_ends_before_anyone_takes_it_is_taken_back_from_the_agent(cast, chat_start, ready):
    from kefu.chat.services import chat_end

    ready(cast.agent_a)
    session = chat_start(visitor_name="王先生")
    distribute()
    chat_end(session=session, actor=None)
    offer = offer_of(session)
    assert offer.withdrawn_at is not None and offer.assigned_to is None
    assert OfferAssignment.objects.get(offer=offer).outcome == "withdrawn"
    assert loads([cast.agent_a.pk]) == {cast.agent_a.pk: 0}


# Concurrency, not dates: pinned to the suite's moment, so the clock reruns of `make test` skip its minute.
@pytest.mark.clock(SUITE_CLOCK)
@pytest.mark.django_db(transaction=True)
def test_200_chats_arriving_at_once_over_20_agents_each_given_once_and_nobody_above_capacity(
    cast, chat_start, ready
):
    capacity = 3
    cast.team_a.chat_capacity = capacity
    cast.team_a.save()
    agents = [agent(cast, f"agent_x{i:02d}", f"40{i:02d}") for i in range(20)]
    for a in agents:
        ready(a)
    errors = []

    def arrive(n):
        # each start distributes after its commit, side by side with the others (kefu.chat.distribution)
        try:
            for i in range(40):
                chat_start(visitor_name=f"客户{n}-{i}")
        except Exception as exc:  # pragma: no cover - shown in the assertion below
            errors.append(exc)
        finally:
            connection.close()

    # five at a time: with the test's own, fewer than the connection pool holds (KEFU_DB_POOL_SIZE)
    threads = [threading.Thread(target=arrive, args=(n,)) for n in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert ChatSession.objects.count() == 200
    distribute()  # what the worker's next second would do: nothing left to give
    load = loads(a.pk for a in agents)
    assert max(load.values()) <= capacity and sum(load.values()) == 20 * capacity, load
    given = Offer.objects.filter(assigned_to__isnull=False)
    assert given.count() == 20 * capacity
    # each given once: one assignment per given offer, none made and undone
    assert OfferAssignment.objects.count() == 20 * capacity
    assert set(OfferAssignment.objects.values_list("offer_id", flat=True)) == set(
        given.values_list("pk", flat=True)
    )
