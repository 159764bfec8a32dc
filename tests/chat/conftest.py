import pytest


@pytest.fixture
def chat_start(cast, ticket_types):
    from kefu.chat.services import chat_start

    def start(**kwargs):
        kwargs.setdefault("brand", cast.brand_a)
        return chat_start(**kwargs)

    return start


@pytest.fixture
def ready(cast):
    from kefu.chat.presence import agent_set_status, agent_sign_in

    def make(agent):
        agent_sign_in(agent=agent)
        agent_set_status(agent=agent, status="ready")
        return agent

    return make
