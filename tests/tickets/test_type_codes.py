"""Ticket types are found by their codes (kefu code, sla.yaml, QA), so a type renamed in the admin keeps its SLA
clocks; the code itself cannot be changed there."""

import pytest


@pytest.mark.django_db
def test_a_ticket_type_renamed_in_the_admin_keeps_its_sla_clocks(client, cast, ticket_types):
    from kefu.standards.sla import shipped_policies
    from kefu.tickets.selectors import ticket_type_get
    from kefu.tickets.services import ticket_create

    query = ticket_types["查询"]
    client.force_login(cast.admin)
    form = f"/admin/tickets/tickettype/{query.pk}/change/"
    saved = client.post(form, {"name": "快件查询", "code": "renamed", "base_priority": 3, "active": "on"})
    assert saved.status_code == 302, saved.content.decode()[:2000]
    query.refresh_from_db()
    assert (query.name, query.code) == ("快件查询", "query")  # the code stays what the rulebook knows

    assert ticket_type_get("query") == query  # how kefu's own code finds it
    ticket = ticket_create(
        brand=cast.brand_b, type=query, channel="phone", subject="快件三天没动", actor=cast.agent_b
    )
    expected = shipped_policies().targets_for("query", "xintianjie", starts_on="created", channel="phone")
    assert expected  # 查询 promises an answer (30 minutes)
    assert sorted(ticket.clocks.values_list("code", "name")) == sorted((t.code, t.name) for t in expected)


def test_the_sla_rulebook_names_types_by_code_and_reads_them_as_people_write_them():
    from kefu.standards.sla import shipped_policies

    policies = shipped_policies()
    assert policies.ticket_types()[:4] == ["consult", "order", "query", "complaint"]
    assert policies.type_name("problem_parcel") == "问题件"
    assert policies.normalize_type("投訴") == policies.normalize_type("complaint") == "complaint"
    with pytest.raises(ValueError, match="未知工单类型“退货”，可用类型：咨询（consult）"):
        policies.normalize_type("退货")
